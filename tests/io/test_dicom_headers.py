"""DICOM files with unusual headers: no preamble or file meta, no Transfer Syntax UID, no image
description, and compressed variants that the installed decoders do not support."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.filewriter import dcmwrite

from common.io import read_dicom, read_dicom_header, read_dicom_image_header

from .conftest import CT_STORAGE, expect_data_error, write_dicom


def _bare(pixels: np.ndarray, *, slope=2.0, intercept=-1000.0, sop=True, rows=True) -> Dataset:
    ds = Dataset()
    if sop:
        ds.SOPClassUID = CT_STORAGE
        ds.SOPInstanceUID = "1.2.3.4"
    ds.Modality = "CT"
    if rows:
        ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    return ds


@pytest.mark.parametrize("implicit, little", [(True, True), (False, True), (False, False)])
def test_bare_data_set_without_preamble_or_meta(tmp_path, pixels, implicit, little):
    """Older exports write the data set alone (no preamble, no ``DICM``, no file meta)."""
    path = tmp_path / "bare.dcm"
    ds = _bare(pixels)
    if not little:                          # pixel bytes are written as given: big-endian ones
        ds.PixelData = pixels.astype(">u2").tobytes()
        ds["PixelData"].VR = "OW"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dcmwrite(path, ds, implicit_vr=implicit, little_endian=little)
    assert path.read_bytes()[128:132] != b"DICM"
    image, meta = read_dicom(path, voi=False)
    np.testing.assert_array_equal(image, pixels * 2.0 - 1000.0)
    assert meta["modality"] == "CT"
    assert read_dicom_header(path).Rows == pixels.shape[0]


def test_bare_bytes_that_are_no_data_set_are_refused(tmp_path):
    path = tmp_path / "notes.dcm"
    path.write_bytes(b"\x08\x00\x10\x00" + b"plain text that starts like a tag " * 20)
    expect_data_error(lambda: read_dicom(path), path, "not a readable DICOM file")


def test_meta_without_transfer_syntax_reads_native_pixels(tmp_path, pixels):
    path = write_dicom(tmp_path / "a.dcm", pixels, slope=0.5, intercept=10.0)
    ds = pydicom.dcmread(path)
    del ds.file_meta.TransferSyntaxUID
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(path, implicit_vr=False, little_endian=True)
    assert "TransferSyntaxUID" not in pydicom.dcmread(path).file_meta
    image, _ = read_dicom(path, voi=False)
    np.testing.assert_array_equal(image, pixels * 0.5 + 10.0)


def test_compressed_pixels_without_transfer_syntax(tmp_path):
    ds = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    del ds.file_meta.TransferSyntaxUID
    path = tmp_path / "rle.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(path, implicit_vr=False, little_endian=True)
    expect_data_error(lambda: read_dicom(path), path, "names no Transfer Syntax UID .* compressed")


@pytest.mark.parametrize("keyword", ["Rows", "Columns", "BitsAllocated"])
def test_pixel_data_without_its_description(tmp_path, pixels, keyword):
    path = write_dicom(tmp_path / "a.dcm", pixels)
    ds = pydicom.dcmread(path)
    delattr(ds, keyword)
    ds.save_as(path)
    expect_data_error(lambda: read_dicom(path), path, f"has pixel data but no {keyword}")


@pytest.mark.parametrize("name", ["JPGExtended.dcm", "JPEG-lossy.dcm"])
def test_12_bit_jpeg_extended(name):
    """12-bit JPEG Extended: Pillow (pydicom's default plugin here) does not decode it. Read like
    pydicom where a plugin that does is installed; else one sentence saying what to install."""
    path = get_testdata_file(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
            expected = pydicom.pixels.apply_modality_lut(ds.pixel_array, ds).astype(np.float32)
    except RuntimeError as exc:
        assert "does not support" in str(exc)
        message = expect_data_error(lambda: read_dicom(path), path,
                                    "12-bit samples, which no installed decoder supports")
        assert "pip install pylibjpeg" in message
        return
    image, _ = read_dicom(path, voi=False)
    np.testing.assert_array_equal(image, expected)


def test_header_check_without_decoding(tmp_path, rng):
    """``read_dicom_image_header`` refuses a cut file or pixel data shorter than its grid, and
    leaves the pixel data on disk (a large image is checked without reading it)."""
    pixels = rng.integers(0, 4000, size=(400, 300)).astype(np.uint16)
    path = write_dicom(tmp_path / "a.dcm", pixels)
    header = read_dicom_image_header(path)
    assert header.Rows == 400
    assert header.get_item("PixelData", keep_deferred=True).value is None   # not read
    data = path.read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[: len(data) - 1000])
    expect_data_error(lambda: read_dicom_image_header(cut), cut, "truncated")
    ds = pydicom.dcmread(path)
    ds.Rows = 500                        # the header now promises more pixels than are stored
    ds.save_as(path)
    expect_data_error(lambda: read_dicom_image_header(path), path, "bytes of pixel data where")
    expect_data_error(lambda: read_dicom(path), path, "cannot be read")


def test_header_check_refuses_what_no_decoder_reads():
    from pydicom.pixels import get_decoder
    from pydicom.uid import JPEGExtended12Bit
    cases = [("rtplan.dcm", "holds no image")]
    if set(get_decoder(JPEGExtended12Bit).available_plugins) <= {"pillow"}:   # as installed here
        cases.append(("JPGExtended.dcm", "12-bit samples"))
    for name, words in cases:
        path = get_testdata_file(name)
        expect_data_error(lambda: read_dicom_image_header(path), path, words)
