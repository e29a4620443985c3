"""Real public files shipped in installed packages read as the libraries themselves read them.

pydicom's test files (its own ``test_files`` and the ``pydicom-data`` package, a dependency of
the course) and nibabel's test NIfTI files, as present on this machine: nothing is downloaded
(``get_testdata_file(name, download=False)``). Every present file is either read with values
equal to pydicom's own decoding with the modality LUT applied (``apply_modality_lut``, per frame
from the functional groups in an enhanced image; MONOCHROME1 inverted as the reader documents) or
nibabel's ``get_fdata``, or refused with one :class:`DataError` sentence naming the file, exactly
when pydicom cannot give a greyscale image. The header check ``read_dicom_image_header`` agrees
with the full reading on every file but those whose compressed data is damaged (found only by
decoding).

Kept out of the value comparison, by a stated rule rather than silently: JPEG 2000 files over
200 kB (the same images are compared uncompressed, and JPEG 2000 decoding on the smaller files);
each one must still be read or refused in one sentence by ``read_dicom_header``.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.data.data_manager import DATA_ROOT
from pydicom.data.download import get_url_map
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut

from common.errors import DataError
from common.io import (read_dicom, read_dicom_header, read_dicom_image_header, read_dicom_series,
                       read_volume)

from .conftest import assert_one_sentence, write_ct_series

#: pydicom warns about oddities of its deliberately unusual test files (padding, VR mismatches).
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

#: files pydicom ships in its own package (always present with pydicom 3).
MIN_PYDICOM_FILES = 75
#: with pydicom-data installed (a dependency): its files too.
MIN_ALL_FILES = 130
HEAVY_BYTES = 200_000


def _present() -> dict[str, str]:
    """``{file name: path}`` of every pydicom test file present offline."""
    local = {p.name: str(p) for p in Path(DATA_ROOT, "test_files").rglob("*.dcm")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        external = {name: get_testdata_file(name, download=False) for name in get_url_map()}
    return {**{n: p for n, p in external.items() if p}, **local}


PRESENT = _present()


def _syntax(ds: Dataset):
    return getattr(ds.get("file_meta"), "TransferSyntaxUID", None)


def _heavy(name: str) -> bool:
    path = PRESENT[name]
    if Path(path).stat().st_size <= HEAVY_BYTES:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            syntax = _syntax(pydicom.dcmread(path, stop_before_pixels=True))
        except Exception:
            return False
    return syntax is not None and "JPEG 2000" in syntax.name


HEAVY = sorted(n for n in PRESENT if _heavy(n))
COMPARED = sorted(set(PRESENT) - set(HEAVY))


def _frame_view(ds: Dataset, index: int) -> Dataset:
    """The rescale of one frame from the functional groups (per-frame over shared), else the
    top level: what the DICOM standard says applies, built here independently of the reader."""
    view = Dataset()
    for keyword in ("RescaleSlope", "RescaleIntercept", "RescaleType", "ModalityLUTSequence",
                    "BitsStored", "PixelRepresentation"):
        if keyword in ds:
            view[keyword] = ds[keyword]
    groups = list(ds.get("SharedFunctionalGroupsSequence") or [])[:1]
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if index < len(per_frame):
        groups.append(per_frame[index])
    for group in groups:
        for item in list(group.get("PixelValueTransformationSequence") or [])[:1]:
            for element in item:
                view[element.tag] = element
    return view


@functools.lru_cache(maxsize=None)
def _reference(path: str) -> np.ndarray | None:
    """pydicom's own reading, modality LUT applied, as float32; None when pydicom gives no
    greyscale image (no pixel data, colour, no decoder, a damaged file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = pydicom.dcmread(path)
            if str(ds.get("PhotometricInterpretation", "")) not in ("MONOCHROME1", "MONOCHROME2"):
                return None
            raw = ds.pixel_array
        except Exception:
            return None
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        enhanced = "SharedFunctionalGroupsSequence" in ds or "PerFrameFunctionalGroupsSequence" in ds
        per_frame = ds.get("PerFrameFunctionalGroupsSequence")
        if per_frame is not None and len(per_frame) != frames:
            return None    # the header contradicts itself (which group is whose?): refused
        if enhanced and frames > 1:
            values = np.stack([apply_modality_lut(f, _frame_view(ds, i)) for i, f in enumerate(raw)])
        else:
            values = apply_modality_lut(raw, ds)
    values = np.asarray(values, dtype=np.float32)
    if str(ds.PhotometricInterpretation) == "MONOCHROME1":
        values = values.max() + values.min() - values
    return values


def test_enough_files_present_offline():
    """The parametrised tests below run over what is installed; assert it is a real corpus."""
    local = [n for n, p in PRESENT.items() if Path(p).is_relative_to(DATA_ROOT)]
    assert len(local) >= MIN_PYDICOM_FILES, len(local)
    assert len(PRESENT) >= MIN_ALL_FILES, len(PRESENT)


@pytest.mark.parametrize("name", COMPARED)
def test_pydicom_file_read_like_pydicom(name):
    path = PRESENT[name]
    expected = _reference(path)
    try:
        read_dicom_image_header(path)
        header_refusal = None
    except DataError as exc:
        header_refusal = str(exc)
        assert_one_sentence(header_refusal, path)
    if expected is None:
        with pytest.raises(DataError) as info:
            read_dicom(path, voi=False)
        assert type(info.value) is DataError
        assert_one_sentence(str(info.value), path)
        # the header check refuses it too, unless only decoding finds the damage (documented)
        assert header_refusal is not None or "compressed pixel data of" in str(info.value)
        return
    assert header_refusal is None, header_refusal
    image, meta = read_dicom(path, voi=False)
    assert image.dtype == np.float32
    np.testing.assert_array_equal(image, expected)


def _category(name: str) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(PRESENT[name], stop_before_pixels=True)
    found = {str(ds.get("Modality", "")), str(ds.get("PhotometricInterpretation", ""))}
    syntax = _syntax(ds)
    if syntax is not None and syntax.is_compressed:
        found.add("compressed")
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        found.add("multi-frame")
    if any(g.get("PixelValueTransformationSequence")
           for g in list(ds.get("SharedFunctionalGroupsSequence") or [])
           + list(ds.get("PerFrameFunctionalGroupsSequence") or [])):
        found.add("functional-group rescale")
    return found


def test_the_compared_files_cover_the_kinds_the_course_reads():
    """Among the files read with values (not refused) are CT, MR, MONOCHROME1, compressed,
    multi-frame and enhanced multi-frame with functional-group rescale; among the refused, ones
    without pixel data and ones compressed with no decoder installed."""
    read = [n for n in COMPARED if _reference(PRESENT[n]) is not None]
    kinds = set().union(*(_category(n) for n in read))
    assert {"CT", "MR", "MONOCHROME1", "compressed", "multi-frame",
            "functional-group rescale"} <= kinds, kinds
    assert len(read) >= 40, len(read)
    refused = {}
    for name in COMPARED:
        if _reference(PRESENT[name]) is None:
            try:
                read_dicom(PRESENT[name], voi=False)
            except DataError as exc:
                refused[name] = str(exc)
    assert any("holds no image" in m for m in refused.values())
    assert any("no decoder for it is installed" in m for m in refused.values())


def test_enhanced_ct_rescale_from_functional_groups():
    path = get_testdata_file("eCT_Supplemental.dcm", download=False)
    if path is None:
        pytest.skip("pydicom-data is not installed")   # a dependency: never the case in the course
    image, _ = read_dicom(path, voi=False)
    raw = pydicom.dcmread(path).pixel_array
    assert image.shape == raw.shape and image.min() < -900   # HU, not stored values
    np.testing.assert_array_equal(image, raw.astype(np.float32) - 1024)


@pytest.mark.parametrize("name", HEAVY)
def test_heavy_files_have_a_compared_twin_and_a_header(name):
    twin = name.replace("_J2KR", "_UNCR").replace("_J2KI", "_UNCI")
    assert twin != name and twin in COMPARED, f"{name} has no uncompressed twin"
    header = read_dicom_header(PRESENT[name])
    assert int(header.Rows) > 0

# ---------------------------------------------------------------- nibabel


def _nibabel_files() -> list[Path]:
    import nibabel
    folder = Path(nibabel.__file__).parent / "tests" / "data"
    return sorted(p for p in folder.iterdir() if p.name.endswith((".nii", ".nii.gz")))


NIFTI = _nibabel_files()


def test_enough_nifti_files():
    from nibabel.testing import data_path          # the official pointer to the same folder
    assert all(Path(p).parent == Path(data_path) for p in NIFTI)
    assert len(NIFTI) >= 6, NIFTI


def _nifti_refusal(image, data: np.ndarray) -> str | None:
    """Why the reader refuses a file nibabel reads, by its documented rules, or None."""
    import nibabel as nib
    if not np.isfinite(data).all():
        return "NaN or infinite"           # voxels that are not numbers are never returned
    header = getattr(image, "nifti_header", image.header)     # a CIFTI-2 file is NIfTI-2 on disk
    if isinstance(header, nib.Nifti2Header) and data.ndim != 3:
        return "NIfTI-2"                   # SimpleITK cannot read NIfTI-2; nibabel takes 3D only
    return None


@pytest.mark.parametrize("path", NIFTI, ids=lambda p: p.name)
def test_nibabel_file_read_like_nibabel(path):
    import nibabel as nib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = nib.load(path)
        expected = image.get_fdata()
    refusal = _nifti_refusal(image, expected)
    if refusal is not None:
        with pytest.raises(DataError, match=refusal) as info:
            read_volume(path, ndim=None)
        assert_one_sentence(str(info.value), path)
        return
    array, meta = read_volume(path, ndim=None)
    np.testing.assert_allclose(array, expected.transpose(*reversed(range(expected.ndim))),
                               rtol=1e-6, atol=1e-6 * float(np.abs(expected).max() or 1))
    if expected.ndim == 3:
        assert meta["spacing"] == pytest.approx(image.header.get_zooms()[:3][::-1], rel=1e-5)
    else:
        with pytest.raises(DataError, match=f"{expected.ndim} dimensions") as info:
            read_volume(path)            # a lab that expects 3D gets one sentence
        assert_one_sentence(str(info.value), path)


def test_nibabel_files_cover_3d_and_4d():
    import nibabel as nib
    shapes = [nib.load(p).shape for p in NIFTI]
    assert sum(len(s) == 3 for s in shapes) >= 3 and any(len(s) == 4 for s in shapes), shapes

# ---------------------------------------------------------------- DICOM series order


@pytest.mark.parametrize("orientation", [(1, 0, 0, 0, 1, 0),
                                         (1, 0, 0, 0, np.cos(0.5), np.sin(0.5)),
                                         (0, 1, 0, 0, 0, -1)])
def test_series_in_shuffled_file_order_reads_one_volume(tmp_path, rng, orientation):
    """Files written in shuffled order under names that sort another way give the same
    volume: slices sorted by ImagePositionPatient projected on the slice normal, rescaled to HU."""
    hu = (rng.integers(-2048, 4000, size=(7, 5, 6)) / 2.0).astype(np.float32)   # exact at slope 0.5
    volumes = []
    for k, order in enumerate(([0, 1, 2, 3, 4, 5, 6], [4, 0, 6, 2, 5, 1, 3], [6, 5, 4, 3, 2, 1, 0])):
        names = [f"{chr(ord('a') + (3 * i) % 7)}.dcm" for i in range(7)]
        write_ct_series(tmp_path / f"s{k}", hu, orientation=orientation, order=order, names=names)
        volume, meta = read_dicom_series(tmp_path / f"s{k}")
        volumes.append(volume)
        np.testing.assert_array_equal(volume, hu)
        assert meta["spacing"] == pytest.approx((2.5, 0.7, 0.6))
        assert meta["origin"] == pytest.approx((-40.0, 12.0, 80.0))
    assert all(np.array_equal(v, volumes[0]) for v in volumes)
