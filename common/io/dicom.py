"""DICOM readers: a folder's file list, one header, one image, one series folder to a volume.

Thin over pydicom: the modality LUT (RescaleSlope/Intercept) and the VOI LUT or window are
applied with :func:`pydicom.pixels.apply_modality_lut` and :func:`pydicom.pixels.apply_voi_lut`,
and MONOCHROME1 images are inverted so that a larger value is always brighter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from ..errors import DataError

__all__ = ["DICOM_SUFFIXES", "list_dicom_files", "read_dicom_header", "read_dicom",
           "read_dicom_series", "dicom_spacing"]

#: File endings of DICOM files (VinDr-CXR uses ``.dicom``, most exports ``.dcm``).
DICOM_SUFFIXES = (".dcm", ".dicom")


def _open(path: Path, header_only: bool = False) -> pydicom.Dataset:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The DICOM file {path} does not exist; check the path or build the data "
                        f"with `dlmia data build`.")
    try:
        return pydicom.dcmread(path, stop_before_pixels=header_only)
    except (InvalidDicomError, EOFError, OSError, ValueError) as exc:
        raise DataError(f"The file {path} is not a readable DICOM file ({exc.__class__.__name__}); "
                        f"replace it with a complete copy.") from None


def list_dicom_files(folder: str | Path, suffixes: tuple[str, ...] = DICOM_SUFFIXES) -> list[Path]:
    """The files of ``folder`` whose ending is one of ``suffixes`` (any case), sorted by name.

    Args:
        folder: the folder to list (not searched recursively).
        suffixes: accepted endings; ``""`` accepts files without an ending, as many scanner
            exports name them (hidden files, ``.name``, are skipped).

    Returns:
        The matching paths; empty when the folder is missing or holds none.
    """
    folder, suffixes = Path(folder), tuple(s.lower() for s in suffixes)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in suffixes)


def read_dicom_header(path: str | Path) -> pydicom.Dataset:
    """Read the header of a DICOM file, without its pixel data (fast on large images).

    Args:
        path: a DICOM file.

    Returns:
        The pydicom dataset, every element before PixelData.

    Raises:
        DataError: when the file is missing or not DICOM.
    """
    return _open(Path(path), header_only=True)


def dicom_spacing(ds: pydicom.Dataset) -> tuple[float, float]:
    """Pixel spacing ``(row, column)`` in mm: PixelSpacing, else ImagerPixelSpacing, else 1.0.

    A spacing of zero (some real files, e.g. pydicom-data's ``RG1_UNCR.dcm``, store
    ``[0, 0]``) counts as absent.

    Args:
        ds: a DICOM dataset (a header is enough).

    Returns:
        ``(row spacing, column spacing)`` in mm.
    """
    for key in ("PixelSpacing", "ImagerPixelSpacing"):
        value = ds.get(key)
        if value is not None and len(value) == 2 and float(value[0]) > 0 and float(value[1]) > 0:
            return float(value[0]), float(value[1])
    return 1.0, 1.0


def read_dicom(path: str | Path, voi: bool = True) -> tuple[np.ndarray, dict]:
    """Read one DICOM image as a float32 array in display orientation.

    Args:
        path: a ``.dcm`` file.
        voi: apply the VOI LUT or window stored in the file (when there is one).

    Returns:
        ``(image, meta)``: ``image`` is (H, W) float32 (or (F, H, W) for multi-frame) with
        RescaleSlope/Intercept applied, then the VOI LUT/window, then MONOCHROME1 inverted;
        ``meta`` holds ``spacing`` (row, col mm), ``photometric``, ``window`` (centre, width or
        None), ``bits_stored``, ``modality``, ``patient_id``, ``sop_instance_uid``.

    Raises:
        DataError: when the file is missing, not DICOM, truncated, or holds no pixel data.
    """
    path = Path(path)
    ds = _open(path)
    if "PixelData" not in ds:
        raise DataError(f"The DICOM file {path} holds no image (no PixelData); choose an image "
                        f"file.")
    try:
        raw = ds.pixel_array
    except Exception as exc:  # pydicom raises ValueError/RuntimeError for short or odd data
        raise DataError(f"The pixel data of {path} cannot be decoded ({exc.__class__.__name__}); "
                        f"the file is truncated or compressed in an unsupported way.") from None
    arr = apply_modality_lut(raw, ds)
    window = None
    if "WindowCenter" in ds and "WindowWidth" in ds:
        c, w = ds.WindowCenter, ds.WindowWidth
        c = c[0] if isinstance(c, pydicom.multival.MultiValue) else c
        w = w[0] if isinstance(w, pydicom.multival.MultiValue) else w
        window = (float(c), float(w))
    if voi and (window is not None or "VOILUTSequence" in ds):
        arr = apply_voi_lut(arr, ds, prefer_lut=True)
    arr = np.asarray(arr, dtype=np.float32)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric == "MONOCHROME1":
        arr = arr.max() + arr.min() - arr
    meta = {
        "spacing": dicom_spacing(ds),
        "photometric": photometric,
        "window": window,
        "bits_stored": int(ds.get("BitsStored", 0) or 0),
        "modality": str(ds.get("Modality", "")),
        "patient_id": str(ds.get("PatientID", "")),
        "sop_instance_uid": str(ds.get("SOPInstanceUID", "")),
    }
    return arr, meta


def read_dicom_series(folder: str | Path) -> tuple[np.ndarray, dict]:
    """Read a DICOM series (the ``.dcm``/``.dicom`` files of one folder) sorted by position.

    Slices are sorted along the slice normal by ImagePositionPatient (InstanceNumber when a
    slice has no position). The modality LUT is applied; no window (values stay in e.g. HU).

    Args:
        folder: a folder holding one series.

    Returns:
        ``(volume, meta)``: (D, H, W) float32 and ``spacing`` (slice, row, col mm),
        ``origin`` (the first slice's position), ``direction`` (3x3 row/col/normal cosines).

    Raises:
        DataError: when the folder is missing, empty, or its slices differ in size.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"The DICOM series folder {folder} does not exist; check the path or build "
                        f"the data with `dlmia data build`.")
    files = list_dicom_files(folder, DICOM_SUFFIXES + ("",))
    if not files:
        raise DataError(f"The folder {folder} holds no .dcm files; point it at a DICOM series.")
    datasets = [_open(p) for p in files]
    first = datasets[0]
    orient = np.array(first.get("ImageOrientationPatient", [1, 0, 0, 0, 1, 0]), dtype=float)
    normal = np.cross(orient[:3], orient[3:])

    def key(ds: pydicom.Dataset) -> float:
        if "ImagePositionPatient" in ds:
            return float(np.dot(np.array(ds.ImagePositionPatient, dtype=float), normal))
        return float(ds.get("InstanceNumber", 0))

    datasets.sort(key=key)
    shapes = {(int(d.Rows), int(d.Columns)) for d in datasets}
    if len(shapes) != 1:
        raise DataError(f"The slices in {folder} have different sizes {sorted(shapes)}; keep one "
                        f"series per folder.")
    try:
        volume = np.stack([np.asarray(apply_modality_lut(d.pixel_array, d), dtype=np.float32)
                           for d in datasets])
    except Exception as exc:
        raise DataError(f"A slice in {folder} cannot be decoded ({exc.__class__.__name__}); "
                        f"replace the truncated or unsupported file.") from None
    positions = [key(d) for d in datasets]
    if len(positions) > 1:
        dz = float(np.median(np.diff(positions)))
    else:
        dz = float(first.get("SliceThickness", 1.0) or 1.0)
    row, col = dicom_spacing(first)
    meta = {
        "spacing": (abs(dz) if dz else 1.0, row, col),
        "origin": tuple(float(v) for v in datasets[0].get("ImagePositionPatient", [0, 0, 0])),
        "direction": np.stack([orient[:3], orient[3:], normal]),
        "patient_id": str(first.get("PatientID", "")),
    }
    return volume, meta
