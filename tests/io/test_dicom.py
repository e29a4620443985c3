"""DICOM readers: modality LUT, window, MONOCHROME1, series order, headers, file lists, real
bundled files, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from common.errors import DataError
from common.io import list_dicom_files, read_dicom, read_dicom_header, read_dicom_series

from .conftest import write_dicom


def test_rescale_slope_intercept_applied(tmp_path, pixels):
    path = write_dicom(tmp_path / "a.dcm", pixels, slope=2.0, intercept=-1024.0)
    image, meta = read_dicom(path)
    np.testing.assert_allclose(image, pixels * 2.0 - 1024.0)
    assert image.dtype == np.float32
    assert meta["spacing"] == (0.5, 0.7) and meta["photometric"] == "MONOCHROME2"


def test_window_applied(tmp_path, pixels):
    path = write_dicom(tmp_path / "w.dcm", pixels, window=(2000.0, 1000.0))
    image, meta = read_dicom(path)
    assert meta["window"] == (2000.0, 1000.0)
    low, high = pixels <= 1500, pixels >= 2500
    assert np.all(image[low] == image.min()) and np.all(image[high] == image.max())
    raw, _ = read_dicom(path, voi=False)
    np.testing.assert_allclose(raw, pixels)


def test_monochrome1_inverted(tmp_path, pixels):
    m1, _ = read_dicom(write_dicom(tmp_path / "m1.dcm", pixels, photometric="MONOCHROME1"))
    m2, _ = read_dicom(write_dicom(tmp_path / "m2.dcm", pixels))
    # brightest stored value becomes darkest: the order of pixels reverses
    np.testing.assert_allclose(m1, m2.max() + m2.min() - m2)
    assert np.argmax(m1) == np.argmin(m2)


def test_series_sorted_by_position(tmp_path, rng):
    folder = tmp_path / "series"
    folder.mkdir()
    slabs = [np.full((4, 3), 100 * k, dtype=np.uint16) for k in range(4)]
    order = [2, 0, 3, 1]  # file names out of anatomical order
    for name, k in enumerate(order):
        write_dicom(folder / f"{name:02d}.dcm", slabs[k], position=(0.0, 0.0, 2.5 * k),
                    instance=10 - k)
    volume, meta = read_dicom_series(folder)
    assert volume.shape == (4, 4, 3)
    np.testing.assert_allclose(volume[:, 0, 0], [0, 100, 200, 300])
    assert meta["spacing"] == pytest.approx((2.5, 0.5, 0.7))


@pytest.mark.parametrize("name, shape, spacing, photometric", [
    ("CT_small.dcm", (128, 128), (0.661468, 0.661468), "MONOCHROME2"),
    ("MR_small.dcm", (64, 64), (0.3125, 0.3125), "MONOCHROME2"),
    ("RG1_UNCR.dcm", (1955, 1841), (1.0, 1.0), "MONOCHROME1"),
])
def test_real_bundled_files(name, shape, spacing, photometric):
    path = get_testdata_file(name)
    assert path is not None, f"{name} is not available offline (install pydicom-data)"
    image, meta = read_dicom(path)
    assert image.shape == shape and image.dtype == np.float32
    assert meta["spacing"] == pytest.approx(spacing)
    assert meta["photometric"] == photometric
    assert np.isfinite(image).all() and image.std() > 0


def test_real_ct_in_hounsfield_units():
    image, meta = read_dicom(get_testdata_file("CT_small.dcm"))
    assert meta["modality"] == "CT"
    assert -1100 < image.min() < 0 < image.max() < 3100  # air to bone, in HU


def test_chest_radiograph_lungs_darker_than_mediastinum():
    image, _ = read_dicom(get_testdata_file("RG1_UNCR.dcm"))
    h, w = image.shape
    lung = image[h // 3: h // 2, w // 5: w // 3].mean()
    centre = image[h // 3: h // 2, 9 * w // 20: 11 * w // 20].mean()
    assert lung < centre  # MONOCHROME1 was inverted: air-filled lungs display dark


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_dicom(tmp_path / "nope.dcm")


def test_truncated_dicom(tmp_path, pixels):
    path = write_dicom(tmp_path / "t.dcm", pixels)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])
    with pytest.raises(DataError, match="truncated") as info:
        read_dicom(path)
    assert str(info.value).count(".") >= 1 and "\n" not in str(info.value)


def test_not_a_dicom(tmp_path):
    path = tmp_path / "x.dcm"
    path.write_text("hello")
    with pytest.raises(DataError, match="not a readable DICOM"):
        read_dicom(path)


def test_missing_series_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_dicom_series(tmp_path / "none")


def test_header_without_pixels(tmp_path, pixels):
    path = write_dicom(tmp_path / "h.dcm", pixels, slope=2.0)
    header = read_dicom_header(path)
    assert "PixelData" not in header
    assert (header.Rows, header.Columns, header.PatientID) == (6, 5, "P1")
    with pytest.raises(DataError, match="not a readable DICOM"):
        (tmp_path / "bad.dcm").write_text("hello")
        read_dicom_header(tmp_path / "bad.dcm")


def test_list_dicom_files(tmp_path, pixels):
    for name in ("b.dicom", "a.DCM", "c", ".hidden.dcm", "notes.txt"):
        write_dicom(tmp_path / name, pixels)
    assert [p.name for p in list_dicom_files(tmp_path)] == ["a.DCM", "b.dicom"]
    assert [p.name for p in list_dicom_files(tmp_path, (".dcm", ""))] == ["a.DCM", "c"]
    assert list_dicom_files(tmp_path / "none") == []


def test_series_with_extensionless_files_and_slope(tmp_path):
    folder = tmp_path / "series"
    folder.mkdir()
    for k in range(3):
        write_dicom(folder / f"IM{k:04d}", np.full((4, 3), 1000 + k, dtype=np.uint16),
                    slope=1.0, intercept=-1024.0, position=(0.0, 0.0, -3.0 * k))
    volume, meta = read_dicom_series(folder)
    # positions decrease with k: sorted along the normal the last file comes first
    np.testing.assert_allclose(volume[:, 0, 0], [-22.0, -23.0, -24.0])
    assert meta["spacing"][0] == pytest.approx(3.0) and meta["origin"] == (0.0, 0.0, -6.0)
