"""Bad-input corpus of the DICOM readers, generated at test time, and enhanced multi-frame CT.

Every file is written here with pydicom: truncated at several points, non-image objects (RT plan,
structured report, presentation state, DICOMDIR), colour images, compressed transfer syntaxes
with no decoder installed, malformed spacing and windows, and series folders that mix series,
miss slices or mix sizes. Each raises exactly one :class:`DataError` sentence naming the file or
folder; an Enhanced CT is rescaled frame by frame to the exact Hounsfield units.
"""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_voi_lut, get_decoder
from pydicom.sequence import Sequence
from pydicom.uid import (JPEGLSLossless, JPEGLosslessSV1, MPEG2MPML, ExplicitVRLittleEndian,
                         generate_uid)

from common.io import (dicom_spacing, frame_attributes, list_dicom_files, read_dicom,
                       read_dicom_header, read_dicom_series)

from .conftest import expect_data_error, write_dicom

ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
NON_IMAGES = {
    "rt_plan": ("1.2.840.10008.5.1.4.1.1.481.5", "RT Plan Storage"),
    "structured_report": ("1.2.840.10008.5.1.4.1.1.88.11", "Basic Text SR Storage"),
    "presentation_state": ("1.2.840.10008.5.1.4.1.1.11.1",
                           "Grayscale Softcopy Presentation State Storage"),
    "dicomdir": ("1.2.840.10008.1.3.10", "Media Storage Directory Storage"),
}


def _file(path, sop_class: str, syntax=ExplicitVRLittleEndian) -> FileDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(path)])
    meta.TransferSyntaxUID = syntax
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.PatientID, ds.Modality = "P1", "CT"
    return ds


def _image_module(ds: Dataset, rows: int, columns: int) -> None:
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0


def write_non_image(path, kind: str):
    ds = _file(path, NON_IMAGES[kind][0])
    ds.Modality = {"rt_plan": "RTPLAN", "structured_report": "SR",
                   "presentation_state": "PR"}.get(kind, "OT")
    ds.save_as(path, enforce_file_format=True)
    return path


def write_compressed(path, syntax):
    """A CT slice whose pixel data claims ``syntax`` (the fragment is not real JPEG data)."""
    ds = _file(path, "1.2.840.10008.5.1.4.1.1.2", syntax)
    _image_module(ds, 4, 4)
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xc3not really a jpeg"])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def _transform(slope: float, intercept: float) -> Dataset:
    item = Dataset()
    item.RescaleSlope, item.RescaleIntercept, item.RescaleType = slope, intercept, "HU"
    return item


def write_enhanced_ct(path, frames: np.ndarray, slopes, intercepts, *, shared: bool = False,
                      windows=None, spacing=(0.6, 0.7)):
    """An Enhanced CT: rescale in the Pixel Value Transformation Sequence, shared (one slope and
    intercept for all frames) or per frame; optional per-frame windows; spacing in the shared
    Pixel Measures Sequence. Nothing at the top level."""
    ds = _file(path, ENHANCED_CT)
    _image_module(ds, *frames.shape[1:])
    ds.NumberOfFrames = len(frames)
    common = Dataset()
    measures = Dataset()
    measures.PixelSpacing, measures.SliceThickness = list(spacing), 1.25
    common.PixelMeasuresSequence = Sequence([measures])
    if shared:
        common.PixelValueTransformationSequence = Sequence([_transform(slopes[0], intercepts[0])])
    ds.SharedFunctionalGroupsSequence = Sequence([common])
    per_frame = []
    for k in range(len(frames)):
        group = Dataset()
        if not shared:
            group.PixelValueTransformationSequence = Sequence([_transform(slopes[k],
                                                                          intercepts[k])])
        if windows is not None:
            voi = Dataset()
            voi.WindowCenter, voi.WindowWidth = windows[k]
            group.FrameVOILUTSequence = Sequence([voi])
        per_frame.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.PixelData = frames.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


#: (F, H, W) stored values of the enhanced CT: 0..1196 like the file that was found wrong.
FRAMES = np.stack([np.arange(12, dtype=np.uint16).reshape(3, 4) * 108 + 4 * k for k in range(3)])
SLOPES, INTERCEPTS = [1.0, 2.0, 0.5], [-1024.0, -1000.0, 10.0]


# --- Enhanced (multi-frame) CT ---------------------------------------------------------------------

def test_enhanced_ct_per_frame_rescale_exact(tmp_path):
    path = write_enhanced_ct(tmp_path / "e.dcm", FRAMES, SLOPES, INTERCEPTS)
    image, meta = read_dicom(path)
    expected = np.stack([FRAMES[k] * s + b for k, (s, b) in enumerate(zip(SLOPES, INTERCEPTS))])
    assert image.shape == (3, 3, 4) and image.dtype == np.float32
    np.testing.assert_array_equal(image, expected.astype(np.float32))
    assert image[0].min() == -1024.0  # raw stored values would start at 0
    assert meta["spacing"] == (0.6, 0.7) and meta["window"] is None


def test_enhanced_ct_shared_rescale_exact(tmp_path):
    path = write_enhanced_ct(tmp_path / "e.dcm", FRAMES, [1.0], [-1024.0], shared=True)
    image, _ = read_dicom(path)
    np.testing.assert_array_equal(image, (FRAMES - 1024.0).astype(np.float32))
    assert (FRAMES.min(), FRAMES.max()) == (0, 1196)
    assert (image.min(), image.max()) == (-1024.0, 172.0)


def test_enhanced_ct_per_frame_windows(tmp_path):
    windows = [(40.0, 400.0), (0.0, 2000.0), (300.0, 1500.0)]
    path = write_enhanced_ct(tmp_path / "e.dcm", FRAMES, SLOPES, INTERCEPTS, windows=windows)
    image, meta = read_dicom(path)
    assert meta["window"] == (40.0, 400.0)
    for k in range(3):  # each frame as a single-frame file with its own tags
        single = Dataset()
        _image_module(single, 3, 4)
        single.RescaleSlope, single.RescaleIntercept = SLOPES[k], INTERCEPTS[k]
        single.WindowCenter, single.WindowWidth = windows[k]
        hu = FRAMES[k] * SLOPES[k] + INTERCEPTS[k]
        np.testing.assert_array_equal(image[k], apply_voi_lut(hu, single).astype(np.float32))
    raw, _ = read_dicom(path, voi=False)
    np.testing.assert_array_equal(raw[1], (FRAMES[1] * 2.0 - 1000.0).astype(np.float32))


def test_frame_attributes_override_order(tmp_path):
    path = write_enhanced_ct(tmp_path / "e.dcm", FRAMES, SLOPES, INTERCEPTS)
    ds = read_dicom_header(path)
    view = frame_attributes(ds, 2)
    assert (view.RescaleSlope, view.RescaleIntercept) == (0.5, 10.0)
    assert list(view.PixelSpacing) == [0.6, 0.7] and view.BitsStored == 12
    assert dicom_spacing(ds) == (0.6, 0.7)
    plain = write_dicom(tmp_path / "p.dcm", FRAMES[0], slope=2.0)
    plain_ds = read_dicom_header(plain)
    assert frame_attributes(plain_ds, 0) is plain_ds


def test_enhanced_ct_frame_count_mismatch(tmp_path):
    path = write_enhanced_ct(tmp_path / "e.dcm", FRAMES, SLOPES, INTERCEPTS)
    ds = pydicom.dcmread(path)
    ds.PerFrameFunctionalGroupsSequence = Sequence(list(ds.PerFrameFunctionalGroupsSequence)[:2])
    ds.save_as(path, enforce_file_format=True)
    expect_data_error(lambda: read_dicom(path), path, "declares 3 frames but has 2")


# --- One file: truncated, not an image, colour, compressed without decoder --------------------------

def _slice(tmp_path, name="s.dcm"):
    return write_dicom(tmp_path / name, np.arange(30, dtype=np.uint16).reshape(6, 5) * 100)


DICOM_CUTS = {"preamble": 50, "after_dicm_prefix": 136, "inside_meta_group": 200,
              "inside_a_uid": 390, "inside_an_element_tag": 459, "inside_pixels": -60,
              "last_byte": -1}


@pytest.mark.parametrize("cut", DICOM_CUTS)
def test_truncated_dicom(tmp_path, cut):
    raw = _slice(tmp_path).read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(raw[: DICOM_CUTS[cut]])
    expect_data_error(lambda: read_dicom(path), path, "truncated|not a readable DICOM")
    if DICOM_CUTS[cut] > 0:  # a header read stops before the pixels: only a cut header fails
        expect_data_error(lambda: read_dicom_header(path), path,
                          "truncated|not a readable DICOM")


def test_header_of_truncated_pixels_is_complete(tmp_path):
    raw = _slice(tmp_path).read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(raw[:-60])
    header = read_dicom_header(path)
    assert (header.Rows, header.Columns, header.PatientID) == (6, 5, "P1")


@pytest.mark.parametrize("kind", NON_IMAGES)
def test_non_image_objects(tmp_path, kind):
    path = write_non_image(tmp_path / f"{kind}.dcm", kind)
    expect_data_error(lambda: read_dicom(path), path,
                      f"holds no image .*{NON_IMAGES[kind][1]}")
    assert read_dicom_header(path).SOPClassUID == NON_IMAGES[kind][0]  # a header is fine


def test_bundled_rt_plan():
    path = get_testdata_file("rtplan.dcm")
    expect_data_error(lambda: read_dicom(path), path, "RT Plan Storage")


@pytest.mark.parametrize("syntax, name", [(JPEGLosslessSV1, "JPEG Lossless"),
                                          (JPEGLSLossless, "JPEG-LS Lossless")])
def test_compressed_without_decoder(tmp_path, syntax, name):
    if get_decoder(syntax).is_available:
        pytest.skip(f"a {name} decoder is installed here")
    path = write_compressed(tmp_path / "c.dcm", syntax)
    expect_data_error(lambda: read_dicom(path), path, f"compressed as {name}.*no decoder.*pip "
                                                      f"install")


@pytest.mark.parametrize("name", ["JPEG-LL.dcm", "MR_small_jpeg_ls_lossless.dcm"])
def test_bundled_lossless_jpeg(name):
    """pydicom's own JPEG Lossless and JPEG-LS files: decoded with a plugin, refused without."""
    path = get_testdata_file(name)
    syntax = read_dicom_header(path).file_meta.TransferSyntaxUID
    if get_decoder(syntax).is_available:
        image, _ = read_dicom(path)
        assert np.isfinite(image).all()
    else:
        expect_data_error(lambda: read_dicom(path), path, "no decoder for it is installed")


def test_compressed_with_no_decoder_at_all(tmp_path):
    path = write_compressed(tmp_path / "video.dcm", MPEG2MPML)
    expect_data_error(lambda: read_dicom(path), path, "which pydicom cannot decode")


def test_damaged_compressed_pixels(tmp_path):
    """RLE decodes here (pydicom's own decoder): a damaged stream fails, in one sentence."""
    path = write_compressed(tmp_path / "rle.dcm", "1.2.840.10008.1.2.5")
    expect_data_error(lambda: read_dicom(path), path, "compressed pixel data .* cannot be decoded")


@pytest.mark.parametrize("photometric", ["RGB", "YBR_FULL", "PALETTE COLOR"])
def test_colour_images_refused(tmp_path, photometric):
    path = tmp_path / "colour.dcm"
    write_dicom(path, np.zeros((4, 4), np.uint16))
    ds = pydicom.dcmread(path)
    ds.PhotometricInterpretation = photometric
    ds.save_as(path, enforce_file_format=True)
    expect_data_error(lambda: read_dicom(path), path, f"colour image \\({photometric}\\)")


def test_bundled_rgb_refused():
    path = get_testdata_file("SC_rgb.dcm")
    expect_data_error(lambda: read_dicom(path), path, "colour image")


@pytest.mark.parametrize("spacing", [b"abc\\0.5 ", b"nan\\0.5 ", b"-0.5\\0.5", b"inf\\1.0 ",
                                     b"0.5     "])
def test_malformed_pixel_spacing(tmp_path, spacing):
    path = tmp_path / "sp.dcm"
    raw = write_dicom(path, np.zeros((4, 4), np.uint16)).read_bytes()
    assert raw.count(b"0.5\\0.7 ") == 1  # the stored PixelSpacing value, 8 bytes
    path.write_bytes(raw.replace(b"0.5\\0.7 ", spacing))
    expect_data_error(lambda: read_dicom(path), path, "PixelSpacing")
    expect_data_error(lambda: dicom_spacing(read_dicom_header(path)), path, "two positive")


def test_zero_spacing_counts_as_absent(tmp_path):
    path = write_dicom(tmp_path / "z.dcm", np.zeros((4, 4), np.uint16), spacing=(0.0, 0.0))
    assert dicom_spacing(read_dicom_header(path)) == (1.0, 1.0)


@pytest.mark.parametrize("window", [(40.0, 0.0), (40.0, -5.0)])
def test_window_that_cannot_be_applied(tmp_path, window):
    pixels = np.arange(16, dtype=np.uint16).reshape(4, 4)
    path = write_dicom(tmp_path / "w.dcm", pixels, window=window)
    expect_data_error(lambda: read_dicom(path), path, "voi=False")
    np.testing.assert_array_equal(read_dicom(path, voi=False)[0], pixels.astype(np.float32))


def test_text_window(tmp_path):
    pixels = np.arange(16, dtype=np.uint16).reshape(4, 4)
    raw = write_dicom(tmp_path / "w.dcm", pixels, window=(40.0, 400.0)).read_bytes()
    path = tmp_path / "t.dcm"
    path.write_bytes(raw.replace(b"40.0", b"high").replace(b"400.0 ", b"wide  "))
    expect_data_error(lambda: read_dicom(path), path, "not numeric; pass voi=False")
    image, meta = read_dicom(path, voi=False)
    np.testing.assert_array_equal(image, pixels.astype(np.float32))
    assert meta["window"] is None


@pytest.mark.parametrize("content", [b"", b"hello", b"\0" * 132, b"\0" * 128 + b"DICM"])
def test_empty_or_foreign_files(tmp_path, content):
    path = tmp_path / "x.dcm"
    path.write_bytes(content)
    for reader in (read_dicom, read_dicom_header):
        expect_data_error(lambda: reader(path), path, "empty|not a readable|truncated")


def test_missing_file_and_folder(tmp_path):
    for reader in (read_dicom, read_dicom_header):
        expect_data_error(lambda: reader(tmp_path / "none.dcm"), tmp_path / "none.dcm",
                          "does not exist")
        expect_data_error(lambda: reader(tmp_path), tmp_path, "is a folder")
    assert list_dicom_files(tmp_path / "none") == []
    assert list_dicom_files(_slice(tmp_path)) == []  # a file is not a folder


# --- Series folders -----------------------------------------------------------------------------------

def _series(tmp_path, zs, *, name="series", shapes=None, uids=None, positions=True, instances=None,
            orientations=None):
    """One slice per z in ``zs``; slice k holds the value 100 k + 7."""
    folder = tmp_path / name
    folder.mkdir()
    for k, z in enumerate(zs):
        shape = shapes[k] if shapes else (4, 3)
        path = write_dicom(folder / f"IM{k:03d}.dcm", np.full(shape, 100 * k + 7, np.uint16),
                           intercept=-1024.0, position=(0.0, 0.0, z) if positions else None,
                           instance=instances[k] if instances else k + 1)
        if uids or orientations:
            ds = pydicom.dcmread(path)
            if uids:
                ds.SeriesInstanceUID = uids[k]
            if orientations:
                ds.ImageOrientationPatient = orientations[k]
            ds.save_as(path, enforce_file_format=True)
    return folder


def test_series_reads_exact_values(tmp_path):
    folder = _series(tmp_path, [5.0, 0.0, 2.5])
    volume, meta = read_dicom_series(folder)
    np.testing.assert_array_equal(volume[:, 0, 0], [107 - 1024, 207 - 1024, 7 - 1024])
    assert meta["spacing"] == (2.5, 0.5, 0.7) and meta["origin"] == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("thickness, dz", [(None, 1.0), (3.0, 3.0)])
def test_series_without_positions_sorted_by_instance_number(tmp_path, thickness, dz):
    """Spacing from SliceThickness (else 1 mm), never from the step of the instance numbers."""
    folder = _series(tmp_path, [0, 0, 0], positions=False, instances=[30, 10, 20])
    if thickness is not None:
        for path in list_dicom_files(folder):
            ds = pydicom.dcmread(path)
            ds.SliceThickness = thickness
            ds.save_as(path, enforce_file_format=True)
    volume, meta = read_dicom_series(folder)
    np.testing.assert_array_equal(volume[:, 0, 0], [107 - 1024, 207 - 1024, 7 - 1024])
    assert meta["spacing"] == (dz, 0.5, 0.7)


SERIES_FAULTS = {
    "missing_slice": (dict(zs=[0.0, 2.5, 5.0, 10.0, 12.5]), "unevenly spaced: 5 mm"),
    "duplicate_position": (dict(zs=[0.0, 2.5, 2.5, 5.0]), "share the same slice position"),
    "mixed_series": (dict(zs=[0.0, 2.5, 5.0], uids=["1.2.3", "1.2.3", "1.2.4"]),
                     "mixes 2 series"),
    "mixed_sizes": (dict(zs=[0.0, 2.5, 5.0], shapes=[(4, 3), (4, 3), (5, 3)]),
                    "different sizes"),
    "mixed_orientation": (dict(zs=[0.0, 2.5, 5.0], orientations=[[1, 0, 0, 0, 1, 0]] * 2
                               + [[0, 1, 0, 1, 0, 0]]), "ImageOrientationPatient"),
    "duplicate_instance": (dict(zs=[0, 0, 0], positions=False, instances=[1, 2, 2]),
                           "share the same slice InstanceNumber"),
}


@pytest.mark.parametrize("fault", SERIES_FAULTS)
def test_series_faults(tmp_path, fault):
    spec, match = SERIES_FAULTS[fault]
    folder = _series(tmp_path, **spec)
    expect_data_error(lambda: read_dicom_series(folder), folder, match)


def test_series_with_some_positions_missing(tmp_path):
    folder = _series(tmp_path, [0.0, 2.5, 5.0])
    write_dicom(folder / "IM999.dcm", np.zeros((4, 3), np.uint16))
    expect_data_error(lambda: read_dicom_series(folder), folder, "no ImagePositionPatient")


@pytest.mark.parametrize("intruder", ["rt_plan", "structured_report", "dicomdir"])
def test_series_folder_with_a_non_image(tmp_path, intruder):
    folder = tmp_path / "only"
    folder.mkdir()
    path = write_non_image(folder / "PLAN", intruder)
    expect_data_error(lambda: read_dicom_series(folder), path, "holds no image")
    mixed = _series(tmp_path, [0.0, 2.5])
    write_non_image(mixed / "ZZ.dcm", intruder)
    expect_data_error(lambda: read_dicom_series(mixed), mixed / "ZZ.dcm", NON_IMAGES[intruder][1])


def test_series_with_a_multiframe_file(tmp_path):
    folder = tmp_path / "mf"
    folder.mkdir()
    write_enhanced_ct(folder / "a.dcm", FRAMES, SLOPES, INTERCEPTS)
    expect_data_error(lambda: read_dicom_series(folder), folder, "multi-frame")


def test_series_with_a_compressed_slice_and_no_decoder(tmp_path):
    if get_decoder(JPEGLosslessSV1).is_available:
        pytest.skip("a JPEG Lossless decoder is installed here")
    folder = _series(tmp_path, [0.0, 2.5])
    path = write_compressed(folder / "IM002.dcm", JPEGLosslessSV1)
    expect_data_error(lambda: read_dicom_series(folder), path, "no decoder")


def test_series_with_a_truncated_slice_and_a_text_file(tmp_path):
    folder = _series(tmp_path, [0.0, 2.5, 5.0])
    slice_ = folder / "IM001.dcm"
    slice_.write_bytes(slice_.read_bytes()[:-10])
    expect_data_error(lambda: read_dicom_series(folder), slice_, "truncated")
    other = _series(tmp_path, [0.0, 2.5], name="other")
    (other / "README").write_text("scanner export notes")
    expect_data_error(lambda: read_dicom_series(other), other / "README", "not a readable DICOM")


def test_series_folder_missing_empty_or_a_file(tmp_path):
    expect_data_error(lambda: read_dicom_series(tmp_path / "none"), tmp_path / "none",
                      "does not exist")
    (tmp_path / "empty").mkdir()
    expect_data_error(lambda: read_dicom_series(tmp_path / "empty"), tmp_path / "empty",
                      "holds no .dcm files")
    path = _slice(tmp_path)
    expect_data_error(lambda: read_dicom_series(path), path, "does not exist")
