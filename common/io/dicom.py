"""DICOM readers: a folder's file list, one header, one image, one series folder to a volume.

Thin over pydicom: the modality LUT (RescaleSlope/Intercept) and the VOI LUT or window are
applied with :func:`pydicom.pixels.apply_modality_lut` and :func:`pydicom.pixels.apply_voi_lut`,
and MONOCHROME1 images are inverted so that a larger value is always brighter.

An enhanced (multi-frame) image such as Enhanced CT keeps its rescale and window in the
functional groups (Pixel Value Transformation and Frame VOI LUT sequences, shared or per
frame), where pydicom 3.0's helpers do not look (pydicom issue #2353): each frame is handed to
them with its own attributes (see :func:`frame_attributes`).

Nothing is decoded on trust: a file with no pixel data (an RT plan, a structured report, a
presentation state, a DICOMDIR), a colour image, or pixel data compressed in a transfer syntax no
installed plugin decodes (JPEG Lossless and JPEG-LS need ``pylibjpeg``) is refused with one
sentence saying what the file is and what to do; so is a series folder that mixes series, misses
slices (uneven spacing) or mixes sizes.

Example:
    >>> image, meta = read_dicom(data_root() / "cxr" / "train" / "00e33c869134e69b.dicom")
    >>> volume, meta = read_dicom_series(folder)   # (D, H, W) in HU, meta["spacing"] (D, H, W)
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.pixels import apply_modality_lut, apply_voi_lut, get_decoder
from pydicom.uid import (UID, ExplicitVRBigEndian, ExplicitVRLittleEndian,
                         ImplicitVRLittleEndian, JPEGExtended12Bit)

from ..errors import DataError
from ._guard import reading, require_file

__all__ = ["DICOM_SUFFIXES", "list_dicom_files", "read_dicom_header", "read_dicom_image_header",
           "read_dicom",
           "read_dicom_series", "dicom_spacing", "frame_attributes"]

#: File endings of DICOM files (VinDr-CXR uses ``.dicom``, most exports ``.dcm``).
DICOM_SUFFIXES = (".dcm", ".dicom")

#: Elements that hold an image.
_PIXEL_ELEMENTS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
#: Values larger than this stay on disk when only the header is checked.
_DEFER_SIZE = "64 KB"
#: Elements without which stored pixels cannot be decoded.
_IMAGE_KEYWORDS = ("Rows", "Columns", "BitsAllocated")
#: Transfer syntax of native (uncompressed) pixel data, by (implicit VR, little endian).
_NATIVE_SYNTAX = {(True, True): ImplicitVRLittleEndian, (False, True): ExplicitVRLittleEndian,
                  (False, False): ExplicitVRBigEndian}
#: Top-level elements that pydicom's LUT helpers read.
_LUT_KEYWORDS = ("PhotometricInterpretation", "SamplesPerPixel", "BitsAllocated", "BitsStored",
                 "HighBit", "PixelRepresentation", "RescaleSlope", "RescaleIntercept",
                 "RescaleType", "ModalityLUTSequence", "WindowCenter", "WindowWidth",
                 "VOILUTFunction", "VOILUTSequence", "PixelSpacing")
#: Functional group macros whose contents stand in for top-level elements, frame by frame.
_FRAME_MACROS = ("PixelValueTransformationSequence", "FrameVOILUTSequence",
                 "PixelMeasuresSequence")
#: Relative tolerance on the slice spacing of a series (a missing slice doubles one gap).
_SPACING_RTOL = 0.1


def _cut_short(ds: Dataset, size: int) -> bool:
    """Whether pydicom stopped at the end of a truncated file.

    pydicom reads a cut file without an error: it keeps the partial value of the last element,
    or drops a partial element header. Caught here: a file meta group shorter than its group
    length, no element at all, a last element with fewer bytes than its length, or a few stray
    bytes after it. A file cut exactly between two elements reads as a shorter, valid header.
    """
    meta = getattr(ds, "file_meta", None)
    group = meta.get("FileMetaInformationGroupLength") if meta is not None else None
    if ds.preamble is not None and isinstance(group, int) and size < 128 + 4 + 12 + group:
        return True
    tags = list(ds.keys())
    if not tags:
        return True
    last = ds.get_item(max(tags), keep_deferred=True)
    if isinstance(last, RawDataElement) and last.length != 0xFFFFFFFF:
        end = last.value_tell + last.length
        if last.value is None:   # a deferred value (read_dicom_image_header): not read, counted
            syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
            deflated = syntax is not None and UID(str(syntax)).is_deflated
            return not deflated and end > size   # a deflated file counts inflated bytes
        return len(last.value) < last.length or 0 < size - end < 8
    return False


def _without_preamble(path: Path, header_only: bool, defer: str | None = None) -> Dataset:
    """A DICOM dataset stored without the 128-byte preamble and ``DICM`` prefix (older exports
    write the bare data set): read with ``force=True``, kept only when it holds what a DICOM
    image or object has (a SOP Class UID, or Rows and pixel data)."""
    ds = pydicom.dcmread(path, stop_before_pixels=header_only, force=True, defer_size=defer)
    if "SOPClassUID" not in ds and not ("Rows" in ds and ("PixelData" in ds or header_only)):
        raise InvalidDicomError("neither a DICOM file nor a bare DICOM data set")
    return ds


def _open(path: str | Path, header_only: bool = False, defer: str | None = None) -> Dataset:
    """Read a DICOM file; ``header_only`` stops before the pixel data, ``defer`` (a size such as
    ``"64 KB"``) keeps larger values unread on disk, pixel data included."""
    path = require_file(path, "DICOM file")
    try:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=header_only, defer_size=defer)
        except InvalidDicomError:
            ds = _without_preamble(path, header_only, defer)
        short = _cut_short(ds, path.stat().st_size)
    except Exception as exc:  # pydicom raises many kinds for damaged or foreign files
        raise DataError(f"The file {path} is not a readable DICOM file ({exc.__class__.__name__}); "
                        f"replace it with a complete copy.") from None
    if short:
        raise DataError(f"The DICOM file {path} is truncated (it ends inside an element); replace "
                        f"it with a complete copy.")
    return ds


def _sop_class(ds: Dataset) -> str:
    """The name of a dataset's SOP class (``"RT Plan Storage"``), or ``"unknown"``."""
    uid = ds.get("SOPClassUID")
    return "unknown" if uid is None else UID(str(uid)).name


def _install_hint(decoder) -> str:
    """``pip install ...`` for the first pure-pip plugin a decoder lists as missing."""
    for line in decoder.missing_dependencies:
        plugin, _, needs = line.partition(" - requires ")
        if plugin.strip() != "gdcm" and needs:
            packages = [p.strip() for p in needs.split(" and ") if p.strip() != "numpy"]
            return "pip install " + " ".join(f"'{p}'" for p in packages)
    return "pip install pylibjpeg pylibjpeg-libjpeg"


def _unsupported_samples(ds: Dataset, path: Path, syntax: UID) -> DataError:
    """The sentence for compressed samples that no installed plugin decodes (12-bit JPEG)."""
    return DataError(f"The DICOM file {path} is compressed as {syntax.name} with "
                     f"{ds.get('BitsStored', '?')}-bit samples, which no installed decoder "
                     f"supports; run `pip install pylibjpeg pylibjpeg-libjpeg` or convert the file "
                     f"to uncompressed DICOM (e.g. with dcmtk's dcmdjpeg).")


def _check_image(ds: Dataset, path: Path) -> None:
    """Refuse, in one sentence, a dataset that is not a greyscale image pydicom can decode here."""
    if not any(key in ds for key in _PIXEL_ELEMENTS):
        raise DataError(f"The DICOM file {path} holds no image (no PixelData; its SOP class is "
                        f"{_sop_class(ds)}); point the reader at the image files (CT, MR, CR/DX) "
                        f"instead.")
    missing = [k for k in _IMAGE_KEYWORDS if ds.get(k) in (None, "")]
    if missing:
        raise DataError(f"The DICOM file {path} has pixel data but no {', '.join(missing)} to "
                        f"describe it (an incomplete header); replace it with a complete copy.")
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise DataError(f"The DICOM file {path} is a colour image ({photometric}); the course "
                        f"reads greyscale (MONOCHROME1/2) images, convert it to greyscale first.")
    syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
    if syntax is None or "PixelData" not in ds:
        return
    syntax = UID(str(syntax))
    if syntax.is_transfer_syntax and not syntax.is_compressed:
        return
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError:
        raise DataError(f"The DICOM file {path} is compressed as {syntax.name}, which pydicom "
                        f"cannot decode; convert it to uncompressed DICOM (e.g. with dcmtk's "
                        f"dcmdjpeg or gdcmconv --raw).") from None
    if (syntax == JPEGExtended12Bit and int(ds.get("BitsStored", 8) or 8) > 8
            and set(decoder.available_plugins) <= {"pillow"}):   # Pillow decodes 8-bit JPEG only
        raise _unsupported_samples(ds, path, syntax)
    if not decoder.is_available:
        raise DataError(f"The DICOM file {path} is compressed as {syntax.name} and no decoder "
                        f"for it is installed; run `{_install_hint(decoder)}` or convert the file "
                        f"to uncompressed DICOM (e.g. with dcmtk's dcmdjpeg).")


def _infer_syntax(ds: Dataset, path: Path) -> None:
    """Give a dataset whose file meta lacks a Transfer Syntax UID the one its bytes were read in,
    when its pixel data is native (a compressed stream could be any syntax: refused)."""
    meta = getattr(ds, "file_meta", None)
    if meta is not None and meta.get("TransferSyntaxUID") is not None:
        return
    element = ds["PixelData"] if "PixelData" in ds else None
    syntax = _NATIVE_SYNTAX.get(tuple(ds.original_encoding))
    if syntax is None or (element is not None and element.is_undefined_length):
        raise DataError(f"The DICOM file {path} names no Transfer Syntax UID and its pixel data "
                        f"is compressed, so it cannot be decoded; convert it with a DICOM tool "
                        f"(e.g. dcmtk's dcmconv +te) to a file with a complete file meta header.")
    if meta is None:
        ds.file_meta = meta = FileMetaDataset()
    meta.TransferSyntaxUID = syntax


def _pixels(ds: Dataset, path: Path) -> np.ndarray:
    """The stored values (``ds.pixel_array``), any decoding error as one sentence."""
    _infer_syntax(ds, path)
    try:
        return ds.pixel_array
    except Exception as exc:  # pydicom and its plugins raise ValueError/RuntimeError and more
        syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
        if "does not support" in str(exc):   # every installed plugin lacks this variant
            raise _unsupported_samples(ds, path, UID(str(syntax))) from None
        if syntax is not None and UID(str(syntax)).is_transfer_syntax \
                and UID(str(syntax)).is_compressed:
            raise DataError(f"The compressed pixel data of {path} cannot be decoded "
                            f"({exc.__class__.__name__}); the file is truncated or damaged, "
                            f"replace it with a complete copy.") from None
        raise DataError(f"The pixel data of {path} cannot be read ({exc.__class__.__name__}); the "
                        f"file is truncated or its Rows, Columns and bit depth do not match the "
                        f"data, replace it with a complete copy.") from None


def _is_enhanced(ds: Dataset) -> bool:
    return "PerFrameFunctionalGroupsSequence" in ds or "SharedFunctionalGroupsSequence" in ds


def frame_attributes(ds: Dataset, index: int = 0) -> Dataset:
    """The attributes of one frame that pydicom's LUT helpers read, functional groups applied.

    The image pixel description and any top-level rescale, window and spacing come first; the
    shared functional groups override them, and the frame's own (per-frame) groups override
    those: the contents of the Pixel Value Transformation, Frame VOI LUT and Pixel Measures
    sequences. For a file without functional groups this is the top level itself.

    Args:
        ds: a DICOM dataset (an Enhanced CT/MR or any other).
        index: the frame, from 0.

    Returns:
        A dataset to pass to :func:`pydicom.pixels.apply_modality_lut` and
        :func:`pydicom.pixels.apply_voi_lut` together with that frame.

    Example:
        >>> hu = apply_modality_lut(ds.pixel_array[2], frame_attributes(ds, 2))
    """
    if not _is_enhanced(ds):
        return ds
    view = Dataset()
    for keyword in _LUT_KEYWORDS:
        if keyword in ds:
            view.add(copy.copy(ds[keyword]))
    groups = list(ds.get("SharedFunctionalGroupsSequence") or [])[:1]
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if index < len(per_frame):
        groups.append(per_frame[index])
    for group in groups:
        for macro in _FRAME_MACROS:
            for item in list(group.get(macro) or [])[:1]:
                for element in item:
                    view.add(copy.copy(element))
    return view


def _group_frames(ds: Dataset, path: Path) -> int:
    """The number of frames, checked against the per-frame functional groups."""
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and len(per_frame) != frames:
        raise DataError(f"The DICOM file {path} declares {frames} frames but has "
                        f"{len(per_frame)} per-frame functional groups; replace it with a "
                        f"complete copy.")
    return frames


def list_dicom_files(folder: str | Path, suffixes: tuple[str, ...] = DICOM_SUFFIXES) -> list[Path]:
    """The files of ``folder`` whose ending is one of ``suffixes`` (any case), sorted by name.

    Args:
        folder: the folder to list (not searched recursively).
        suffixes: accepted endings; ``""`` accepts files without an ending, as many scanner
            exports name them (hidden files, ``.name``, are skipped).

    Returns:
        The matching paths; empty when the folder is missing (or is a file) or holds none.

    Raises:
        DataError: when the folder exists but cannot be listed (permissions).
    """
    folder, suffixes = Path(folder), tuple(s.lower() for s in suffixes)
    if not folder.is_dir():
        return []
    try:
        return sorted(p for p in folder.iterdir()
                      if p.is_file() and not p.name.startswith(".")
                      and p.suffix.lower() in suffixes)
    except OSError as exc:
        raise DataError(f"The folder {folder} cannot be listed ({exc.__class__.__name__}); check "
                        f"that it is readable.") from None


def read_dicom_header(path: str | Path) -> Dataset:
    """Read the header of a DICOM file, without its pixel data (fast on large images).

    Args:
        path: a DICOM file.

    Returns:
        The pydicom dataset, every element before PixelData.

    Raises:
        DataError: when the file is missing, empty or not DICOM, or ends inside an element (a
            header cut exactly between two elements cannot be told from a shorter one).
    """
    return _open(Path(path), header_only=True)


def _native_length(ds: Dataset, path: Path) -> None:
    """Refuse native (uncompressed) pixel data shorter than its header's grid needs."""
    syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
    if "PixelData" not in ds or (syntax is not None and UID(str(syntax)).is_compressed):
        return
    element = ds.get_item("PixelData", keep_deferred=True)
    if element is None or element.length == 0xFFFFFFFF:
        return
    count = (int(ds.Rows) * int(ds.Columns) * int(ds.get("NumberOfFrames", 1) or 1)
             * int(ds.get("SamplesPerPixel", 1) or 1))
    bits = int(ds.BitsAllocated)
    need = (count + 7) // 8 if bits == 1 else count * bits // 8
    if element.length < need:
        raise DataError(f"The DICOM file {path} holds {element.length} bytes of pixel data where "
                        f"its Rows, Columns, frames and bit depth need {need} (a truncated or "
                        f"damaged copy); replace it with a complete copy.")


def read_dicom_image_header(path: str | Path) -> Dataset:
    """Check a DICOM image as far as can be done without decoding its pixels, fast on large files.

    Everything :func:`read_dicom` refuses before decoding is refused here too: a missing, empty,
    foreign or truncated file (the pixel data's length is compared with the file's size, not
    read), a file without an image (an RT plan, a report), a colour image, pixel data without
    Rows/Columns/BitsAllocated, a transfer syntax no installed plugin decodes, and uncompressed
    pixel data shorter than its grid. Damaged *compressed* data is found only by decoding it
    (:func:`read_dicom`).

    Args:
        path: a DICOM file.

    Returns:
        The header; the pixel data stays on disk (deferred).

    Raises:
        DataError: as described, one sentence naming the file.
    """
    path = Path(path)
    ds = _open(path, defer=_DEFER_SIZE)
    with reading(path, "DICOM file", "fix its header or replace it with a complete copy"):
        _check_image(ds, path)
        _group_frames(ds, path)
        _native_length(ds, path)
    return ds


def _spacing_pair(ds: Dataset, key: str, value) -> tuple[float, float] | None:
    """Two positive spacings from a PixelSpacing-like value, None when absent or zero."""
    if value is None:
        return None
    values = value if isinstance(value, (list, tuple, MultiValue)) else [value]
    try:
        pair = [float(v) for v in values]
    except (TypeError, ValueError):
        pair = []
    if len(pair) != 2 or not all(math.isfinite(v) and v >= 0 for v in pair):
        name = getattr(ds, "filename", None) or "the DICOM dataset"
        raise DataError(f"{key} of {name} is {value!r}, not two positive numbers (mm); fix the "
                        f"header or remove the element.")
    return (pair[0], pair[1]) if pair[0] > 0 and pair[1] > 0 else None


def dicom_spacing(ds: Dataset) -> tuple[float, float]:
    """Pixel spacing ``(row, column)`` in mm: PixelSpacing (at the top level, else in the
    functional groups of an enhanced image), else ImagerPixelSpacing, else 1.0.

    A spacing of zero (some real files, e.g. pydicom-data's ``RG1_UNCR.dcm``, store
    ``[0, 0]``) counts as absent.

    Args:
        ds: a DICOM dataset (a header is enough).

    Returns:
        ``(row spacing, column spacing)`` in mm.

    Raises:
        DataError: when a spacing is not two non-negative numbers (text, NaN, infinite,
            negative, one value).
    """
    candidates = [("PixelSpacing", ds.get("PixelSpacing"))]
    if _is_enhanced(ds):
        candidates.append(("PixelSpacing", frame_attributes(ds, 0).get("PixelSpacing")))
    candidates.append(("ImagerPixelSpacing", ds.get("ImagerPixelSpacing")))
    for key, value in candidates:
        pair = _spacing_pair(ds, key, value)
        if pair is not None:
            return pair
    return 1.0, 1.0


def _window(view: Dataset) -> tuple[float, float] | None:
    """The first (centre, width) of a dataset's window, or None."""
    if "WindowCenter" not in view or "WindowWidth" not in view:
        return None
    c, w = view.WindowCenter, view.WindowWidth
    c = c[0] if isinstance(c, MultiValue) else c
    w = w[0] if isinstance(w, MultiValue) else w
    return float(c), float(w)


def read_dicom(path: str | Path, voi: bool = True) -> tuple[np.ndarray, dict]:
    """Read one DICOM image as a float32 array in display orientation.

    Args:
        path: a ``.dcm`` file.
        voi: apply the VOI LUT or window stored in the file (when there is one).

    Returns:
        ``(image, meta)``: ``image`` is (H, W) float32 (or (F, H, W) for multi-frame) with
        the modality LUT (RescaleSlope/Intercept) applied, then the VOI LUT/window, then
        MONOCHROME1 inverted; in an enhanced multi-frame file each frame gets its own rescale
        and window from the functional groups. ``meta`` holds ``spacing`` (row, col mm),
        ``photometric``, ``window`` (centre, width of the first frame, or None),
        ``bits_stored``, ``modality``, ``patient_id``, ``sop_instance_uid``.

    Raises:
        DataError: when the file is missing, not DICOM, truncated, holds no pixel data (an RT
            plan, a report, a presentation state), is a colour image, is compressed with no
            decoder installed, or its window cannot be applied.
    """
    path = Path(path)
    ds = _open(path)
    with reading(path, "DICOM file", "fix its header or replace it with a complete copy"):
        _check_image(ds, path)
    raw = _pixels(ds, path)
    with reading(path, "DICOM file", "fix its header or replace it with a complete copy"):
        frames = _group_frames(ds, path)
        enhanced = _is_enhanced(ds) and frames > 1 and raw.ndim == 3
        views = [frame_attributes(ds, i) for i in range(frames)] if enhanced \
            else [frame_attributes(ds, 0)]
        try:
            window = _window(views[0])
        except (TypeError, ValueError):
            if voi:
                raise DataError(f"The window stored in {path} (WindowCenter/WindowWidth) is not "
                                f"numeric; pass voi=False to read the values without it.") from None
            window = None
        if enhanced:
            arr = np.stack([apply_modality_lut(frame, view) for frame, view in zip(raw, views)])
        else:
            arr = apply_modality_lut(raw, views[0])
    if voi:
        try:
            if enhanced:
                arr = np.stack([_apply_voi(frame, view) for frame, view in zip(arr, views)])
            else:
                arr = _apply_voi(arr, views[0])
        except Exception as exc:
            raise DataError(f"The window (VOI LUT) stored in {path} cannot be applied "
                            f"({exc.__class__.__name__}); pass voi=False to read the values "
                            f"without it.") from None
    arr = np.asarray(arr, dtype=np.float32)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric == "MONOCHROME1":
        arr = arr.max() + arr.min() - arr
    with reading(path, "DICOM file", "fix its header or replace it with a complete copy"):
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


def _apply_voi(arr: np.ndarray, view: Dataset) -> np.ndarray:
    if _window(view) is not None or "VOILUTSequence" in view:
        return apply_voi_lut(arr, view, prefer_lut=True)
    return arr


def _series_problem(folder: Path, files: list[Path], datasets: list[Dataset]) -> str | None:
    """Why the files of a folder are not one single-frame series of equal slices, or None."""
    series = {}
    for p, d in zip(files, datasets):
        series.setdefault(str(d.get("SeriesInstanceUID", "")), p.name)
    if len(series) > 1:
        return (f"The folder {folder} mixes {len(series)} series (SeriesInstanceUID differs, e.g. "
                f"{' and '.join(list(series.values())[:2])}); keep one series per folder.")
    for p, d in zip(files, datasets):
        if int(d.get("NumberOfFrames", 1) or 1) > 1:
            return (f"{p.name} in {folder} is a multi-frame image; a series folder holds one "
                    f"slice per file, read the multi-frame file with read_dicom.")
    sizes = {}
    for p, d in zip(files, datasets):
        sizes.setdefault((int(d.get("Rows", 0) or 0), int(d.get("Columns", 0) or 0)), p.name)
    if len(sizes) != 1:
        return (f"The slices in {folder} have different sizes {sorted(sizes)}; keep one series "
                f"per folder.")
    positioned = ["ImagePositionPatient" in d for d in datasets]
    if any(positioned) and not all(positioned):
        return (f"{files[positioned.index(False)].name} in {folder} has no ImagePositionPatient "
                f"while other slices do; replace it or remove it from the series.")
    for key, atol in (("ImageOrientationPatient", 1e-4), ("PixelSpacing", 1e-4)):
        values = [np.array(d.get(key) or [], dtype=float) for d in datasets]
        if any(v.shape != values[0].shape or not np.allclose(v, values[0], atol=atol)
               for v in values):
            return (f"The slices in {folder} differ in {key}; keep the slices of one series "
                    f"per folder.")
    return None


def read_dicom_series(folder: str | Path) -> tuple[np.ndarray, dict]:
    """Read a DICOM series (the ``.dcm``/``.dicom`` or extensionless files of one folder).

    Slices are sorted along the slice normal by ImagePositionPatient, and must be evenly spaced
    (within 10 %); a series whose slices all lack a position is sorted by InstanceNumber and
    spaced by SpacingBetweenSlices (else SliceThickness, else 1 mm). The modality LUT is applied;
    no window (values stay in e.g. HU).

    Args:
        folder: a folder holding one series, one slice per file.

    Returns:
        ``(volume, meta)``: (D, H, W) float32 and ``spacing`` (slice, row, col mm),
        ``origin`` (the first slice's position), ``direction`` (3x3 row/col/normal cosines),
        ``patient_id``.

    Raises:
        DataError: when the folder is missing or empty; a file is not a decodable greyscale
            DICOM image (an RT plan, a report, a compressed slice with no decoder); the files
            mix series, sizes, orientations or pixel spacings; a slice is multi-frame; slices
            share a position or instance number; or the spacing is uneven (a missing slice).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"The DICOM series folder {folder} does not exist; check the path or build "
                        f"the data with `dlmia data build`.")
    files = list_dicom_files(folder, DICOM_SUFFIXES + ("",))
    if not files:
        raise DataError(f"The folder {folder} holds no .dcm files; point it at a DICOM series.")
    datasets = [_open(p) for p in files]
    for p, d in zip(files, datasets):
        _check_image(d, p)
    with reading(folder, "DICOM series", "fix the slice headers or replace the files"):
        problem = _series_problem(folder, files, datasets)
    if problem:
        raise DataError(problem)
    first = datasets[0]
    with reading(folder, "DICOM series", "fix the slice headers or replace the files"):
        orient = np.array(first.get("ImageOrientationPatient") or [1, 0, 0, 0, 1, 0], dtype=float)
        normal = np.cross(orient[:3], orient[3:])
        positioned = ["ImagePositionPatient" in d for d in datasets]
        if all(positioned):
            keys = [float(np.dot(np.array(d.ImagePositionPatient, dtype=float), normal))
                    for d in datasets]
        else:
            keys = [float(d.get("InstanceNumber", 0) or 0) for d in datasets]
        order = np.argsort(keys, kind="stable")
        datasets = [datasets[i] for i in order]
        files = [files[i] for i in order]
        keys = [keys[i] for i in order]
    steps = np.diff(keys)
    if steps.size and np.any(np.isclose(steps, 0.0, atol=1e-6)):
        k = int(np.flatnonzero(np.isclose(steps, 0.0, atol=1e-6))[0])
        what = "position" if all(positioned) else "InstanceNumber"
        raise DataError(f"{files[k].name} and {files[k + 1].name} in {folder} share the same "
                        f"slice {what} ({keys[k]:g}); remove the duplicate slice.")
    if all(positioned) and steps.size:
        dz = float(np.median(steps))
        uneven = np.abs(steps - dz) > _SPACING_RTOL * abs(dz)
        if np.any(uneven):
            k = int(np.flatnonzero(uneven)[0])
            raise DataError(f"The slices in {folder} are unevenly spaced: {steps[k]:g} mm between "
                            f"{files[k].name} and {files[k + 1].name} where the others are "
                            f"{abs(dz):g} mm apart (a missing slice?); add the missing files or "
                            f"resample the series.")
    else:
        with reading(folder, "DICOM series", "fix the slice headers"):
            dz = float(first.get("SpacingBetweenSlices") or first.get("SliceThickness") or 1.0)
    volume = np.stack([np.asarray(apply_modality_lut(_pixels(d, p), d), dtype=np.float32)
                       for p, d in zip(files, datasets)])
    with reading(folder, "DICOM series", "fix the slice headers"):
        row, col = dicom_spacing(first)
        meta = {
            "spacing": (abs(dz) if dz else 1.0, row, col),
            "origin": tuple(float(v) for v in datasets[0].get("ImagePositionPatient",
                                                               [0, 0, 0])),
            "direction": np.stack([orient[:3], orient[3:], normal]),
            "patient_id": str(first.get("PatientID", "")),
        }
    return volume, meta
