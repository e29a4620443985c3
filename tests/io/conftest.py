"""Tiny seeded DICOM fixtures and the one-sentence error check shared by the reader tests."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from common.errors import DataError

CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_dicom(path: Path, pixels: np.ndarray, *, slope: float = 1.0, intercept: float = 0.0,
                photometric: str = "MONOCHROME2", window: tuple[float, float] | None = None,
                position: tuple[float, float, float] | None = None,
                spacing: tuple[float, float] = (0.5, 0.7), instance: int = 1) -> Path:
    """Write a small uint16 single-frame DICOM with the given tags."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_STORAGE
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(path)])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = CT_STORAGE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.PatientID = "P1"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    ds.PixelSpacing = list(spacing)
    ds.InstanceNumber = instance
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    if position is not None:
        ds.ImagePositionPatient = list(position)
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.SliceThickness = 2.5
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def pixels(rng) -> np.ndarray:
    return rng.integers(0, 4000, size=(6, 5)).astype(np.uint16)


def assert_one_sentence(message: str, path: Path | str) -> None:
    """``message`` is one sentence that names the file (or folder) ``path``."""
    name = Path(path).name
    assert "\n" not in message, message
    assert message.endswith("."), message
    assert name in message, f"{name!r} is not named in: {message}"
    body = message.replace(str(path), "FILE").replace(name, "FILE")[:-1]
    body = body.replace("e.g.", "eg").replace("i.e.", "ie")
    assert not re.search(r"[.!?]\s+[A-Z]", body), f"more than one sentence: {message}"


def expect_data_error(call, path: Path | str, match: str | None = None) -> str:
    """Run ``call()``: it must raise exactly :class:`DataError` (nothing else escapes), with one
    sentence naming ``path`` (and matching ``match``); returns the message."""
    with pytest.raises(DataError) as info:
        call()
    assert type(info.value) is DataError, repr(info.value)
    message = str(info.value)
    assert_one_sentence(message, path)
    if match is not None:
        assert re.search(match, message), f"{match!r} not in: {message}"
    return message


def write_ct_series(folder: Path, hu: np.ndarray, *, spacing=(2.5, 0.7, 0.6), slope: float = 0.5,
                    intercept: float = -1024.0, orientation=(1, 0, 0, 0, 1, 0),
                    origin=(-40.0, 12.0, 80.0), order=None, names=None) -> list[Path]:
    """Write the (D, H, W) volume ``hu`` as a CT series, one file per slice, in ``folder``.

    Slice ``k`` lies at ``origin + k * spacing[0] * normal`` (normal = row x column cosines) and
    stores ``(hu - intercept) / slope``. ``order`` permutes which slice is written first and
    ``names`` gives the file names (default ``IM<n>.dcm`` in writing order), so that file order
    says nothing about slice order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    orient = np.asarray(orientation, dtype=float)
    normal = np.cross(orient[:3], orient[3:])
    order = list(range(len(hu))) if order is None else list(order)
    names = names or [f"IM{n:04d}.dcm" for n in range(len(hu))]
    series = generate_uid(entropy_srcs=[str(folder), "series"])
    paths = []
    for name, k in zip(names, order):
        path = folder / name
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CT_STORAGE
        meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(folder), str(k)])
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
        ds.SOPClassUID, ds.SOPInstanceUID = CT_STORAGE, meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID, ds.Modality, ds.PatientID = series, "CT", folder.name
        ds.Rows, ds.Columns = hu.shape[1:]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        ds.PixelSpacing = [spacing[1], spacing[2]]
        ds.SliceThickness = spacing[0]
        ds.ImageOrientationPatient = [float(v) for v in orient]
        ds.ImagePositionPatient = [float(v) for v in np.asarray(origin) + k * spacing[0] * normal]
        ds.InstanceNumber = len(hu) - k          # deliberately not the slice order either
        stored = np.round((hu[k].astype(np.float64) - intercept) / slope).astype(np.int16)
        ds.PixelData = stored.tobytes()
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
