"""Volume readers for NIfTI (``.nii``, ``.nii.gz``) and MetaImage (``.mha``, ``.mhd``).

Arrays come in SimpleITK's (D, H, W) = (Z, Y, X) order, spacing in the same order, and the origin
and direction cosines in SimpleITK's physical (LPS) frame, whichever library read the file:

* a plain 3D NIfTI-1 (scalar voxels; a qform, or an orthonormal sform alone) is read with
  nibabel, about 3x faster than SimpleITK on small gzipped volumes, and its geometry is converted
  to SimpleITK's conventions;
* everything else (MetaImage, 2D or 4D NIfTI, a qform that disagrees with the sform, no
  orientation at all) is read with SimpleITK itself.

Nothing is trusted before its bytes are counted: a gzipped NIfTI is decompressed (its CRC
checked) and must hold every voxel byte its header declares; a compressed MetaImage's zlib
stream must be complete and hold the whole grid (SimpleITK would fill missing voxels with zeros,
or print "Uncompress failed" and return the damaged array, without an error). Volumes with NaN or
infinite voxels, or several values per voxel, are refused. SimpleITK 2.5 cannot read NIfTI-2:
a 3D one is read with nibabel like a NIfTI-1.

Example:
    >>> ct, meta = read_volume(data_root() / "knee_ct" / "knee_ct.nii.gz")
    >>> ct.shape                 # (D, H, W) = (Z, Y, X); meta["spacing"] in the same order
    (128, 112, 112)
"""

from __future__ import annotations

import gzip
import tempfile
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np

from ..errors import DataError
from ._guard import finite_or_raise, reading, require_file

__all__ = ["VOLUME_SUFFIXES", "read_volume", "read_label_mask"]

#: File endings this module reads.
VOLUME_SUFFIXES = (".nii", ".nii.gz", ".mha", ".mhd")

#: Header sizes of NIfTI-1 and NIfTI-2.
_NIFTI1_HEADER, _NIFTI2_HEADER = 348, 540
#: LPS (SimpleITK) = diag(-1, -1, 1) @ RAS (nibabel).
_RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])
_GZIP_MAGIC = b"\x1f\x8b"
#: How much of a MetaImage file its text header may take.
_MHA_HEADER_BYTES = 1 << 16
_REPLACE = "replace it with a complete copy"


def _check_suffix(path: Path) -> None:
    if not path.name.lower().endswith(VOLUME_SUFFIXES):
        raise DataError(f"{path.name} is not a volume file; use one of "
                        f"{', '.join(VOLUME_SUFFIXES)}.")


def _short(path: Path, have: int, need: int) -> DataError:
    return DataError(f"The volume {path} cannot be read: it holds {max(have, 0)} of the {need} "
                     f"voxel bytes its header declares (a truncated copy); {_REPLACE}.")


def _meta(spacing_xyz: np.ndarray, origin: np.ndarray, direction: np.ndarray) -> dict:
    """The meta dict from SimpleITK-order geometry: spacing (x, y, z), origin, direction."""
    dim = len(spacing_xyz)
    affine = np.eye(dim + 1)
    affine[:dim, :dim] = direction * spacing_xyz
    affine[:dim, dim] = origin
    return {
        "spacing": tuple(float(s) for s in spacing_xyz[::-1]),
        "origin": tuple(float(o) for o in origin),
        "direction": direction,
        "affine": affine,
    }


def _geometry(header: nib.Nifti1Header) -> np.ndarray | None:
    """The voxel-to-RAS affine SimpleITK uses for this header, or None to let SimpleITK decide.

    The qform when the sform is absent or agrees with it; an sform alone when it is orthonormal up
    to the voxel size. Anything else is left to SimpleITK: forms that disagree (it follows the
    qform), a sheared sform (it refuses the file), no form at all.
    """
    qform, qcode = header.get_qform(coded=True)
    sform, scode = header.get_sform(coded=True)
    if qcode:
        return qform if not scode or np.allclose(qform, sform, atol=1e-5) else None
    if not scode:
        return None
    norms = np.linalg.norm(sform[:3, :3], axis=0)
    rotation = sform[:3, :3] / norms
    if (not np.allclose(norms, header.get_zooms()[:3], rtol=1e-5)
            or not np.allclose(rotation.T @ rotation, np.eye(3), atol=1e-5)):
        return None
    return sform


def _gunzip(path: Path, raw: bytes) -> bytes:
    """The decompressed bytes of a gzip file, its CRC and length checked."""
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise DataError(f"The volume {path} cannot be read: its gzip stream ends early (a "
                        f"truncated copy); {_REPLACE}.") from None
    except (OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DataError(f"The volume {path} cannot be read: its gzip data is corrupt "
                        f"({exc.__class__.__name__}, the checksum or the stream does not match); "
                        f"{_REPLACE}.") from None


def _read_nifti(path: Path) -> tuple[np.ndarray, dict]:
    """Read a NIfTI after counting its voxel bytes: nibabel for a plain 3D scalar image with a
    usable orientation, SimpleITK for the rest."""
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        if not path.name.lower().endswith(".gz"):
            raise DataError(f"The volume {path} is gzip-compressed but named .nii; rename it to "
                            f"{path.name}.gz.")
        raw = _gunzip(path, raw)
    if len(raw) < _NIFTI1_HEADER:
        raise DataError(f"The volume {path} cannot be read: it holds {len(raw)} bytes, fewer than "
                        f"a NIfTI header ({_NIFTI1_HEADER}); {_REPLACE}.")
    sizes = {int.from_bytes(raw[:4], order) for order in ("little", "big")}
    klass = (nib.Nifti1Image if _NIFTI1_HEADER in sizes
             else nib.Nifti2Image if _NIFTI2_HEADER in sizes else None)
    if klass is None:
        raise DataError(f"The volume {path} cannot be read: it does not start with a NIfTI-1 or "
                        f"NIfTI-2 header; check that it is a NIfTI image or {_REPLACE}.")
    try:
        image = klass.from_bytes(raw)
    except Exception as exc:  # nibabel raises several kinds for a damaged header
        raise DataError(f"The volume {path} cannot be read: its NIfTI header is damaged "
                        f"({exc.__class__.__name__}); {_REPLACE}.") from None
    dtype = image.get_data_dtype()
    offset = int(image.dataobj.offset)
    need = int(np.prod(image.shape)) * dtype.itemsize
    if len(raw) < offset + need:
        raise _short(path, len(raw) - offset, need)
    plain = len(image.shape) == 3 and dtype.fields is None and dtype.kind in "iuf"
    affine = _geometry(image.header) if plain else None
    if affine is None:
        if klass is nib.Nifti2Image:
            raise DataError(f"The volume {path} is a NIfTI-2 file that is not a plain 3D scalar "
                            f"image with a qform or an orthonormal sform, which SimpleITK cannot "
                            f"read; save it as NIfTI-1 (nibabel.Nifti1Image).")
        return _read_sitk_bytes(path, raw) if path.name.lower().endswith(".gz") else _read_sitk(path)
    data = np.asarray(image.dataobj)
    if image.dataobj.slope != 1 or image.dataobj.inter != 0:
        data = data.astype(np.float64 if dtype == np.float64 else np.float32)  # as SimpleITK
    data = data.astype(data.dtype.newbyteorder("="), copy=False)
    spacing = np.array(image.header.get_zooms()[:3], dtype=float)
    direction = _RAS_TO_LPS @ (affine[:3, :3] / spacing)
    origin = _RAS_TO_LPS @ affine[:3, 3]
    return data.transpose(2, 1, 0), _meta(spacing, origin, direction)


def _metaimage_header(path: Path) -> tuple[dict[str, str], int | None]:
    """The ``Key = Value`` fields of a MetaImage header (keys lower case) and, when the header
    ends with ``ElementDataFile``, the byte offset just after that line."""
    with path.open("rb") as file:
        head = file.read(_MHA_HEADER_BYTES)
    fields, start = {}, 0
    for line in head.split(b"\n"):
        end = start + len(line) + 1
        key, sep, value = line.decode("latin-1").partition("=")
        if sep:
            fields[key.strip().lower()] = value.strip()
            if key.strip().lower() == "elementdatafile":  # always the last field
                return fields, end
        start = end
    return fields, None


def _metaimage_voxel_bytes(path: Path) -> int | None:
    """The decompressed size of a compressed MetaImage's voxels, its zlib stream checked.

    ``None`` for an uncompressed file (SimpleITK counts those bytes itself) or voxels split over
    a list of files. Refuses a missing companion file (``.raw``/``.zraw``) with one sentence.
    """
    fields, data_start = _metaimage_header(path)
    name = fields.get("elementdatafile")
    if name is None or data_start is None:
        return None  # not a MetaImage header as far as we can tell: SimpleITK says why
    local = name.upper() == "LOCAL"
    if not local and ("%" in name or name.upper().startswith("LIST")):
        return None
    data_path = path if local else path.parent / name
    if not local and not data_path.is_file():
        raise DataError(f"The volume {path} keeps its voxels in {data_path.name}, which is "
                        f"missing; put that file beside {path.name} or use a single .mha file.")
    if fields.get("compresseddata", "false").lower() != "true":
        return None
    data = data_path.read_bytes()[data_start if local else 0:]
    stream = zlib.decompressobj()
    try:
        size = len(stream.decompress(data)) + len(stream.flush())
    except zlib.error:
        raise DataError(f"The volume {path} cannot be read: its compressed voxels are corrupt "
                        f"(zlib stream error); {_REPLACE}.") from None
    if not stream.eof:
        raise DataError(f"The volume {path} cannot be read: its compressed voxels end early (a "
                        f"truncated copy); {_REPLACE}.")
    return size


def _read_metaimage(path: Path) -> tuple[np.ndarray, dict]:
    size = _metaimage_voxel_bytes(path)
    array, meta = _read_sitk(path)
    if size is not None and size != array.nbytes:
        raise _short(path, size, array.nbytes)
    return array, meta


def _read_sitk(path: Path, shown: Path | None = None) -> tuple[np.ndarray, dict]:
    """Read with SimpleITK; ``shown`` is the file named in messages (default ``path``)."""
    import SimpleITK as sitk   # ~100 MB: loaded only by the files nibabel does not read

    shown = shown or path
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError:
        raise DataError(f"The volume {shown} cannot be read by SimpleITK; the file is truncated, "
                        f"damaged or not a {_format(path)} image, {_REPLACE}.") from None
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise DataError(f"The volume {shown} holds {image.GetNumberOfComponentsPerPixel()} values "
                        f"per voxel (a vector or colour image); pass a single-channel volume.")
    dim = image.GetDimension()
    direction = np.array(image.GetDirection(), dtype=float).reshape(dim, dim)
    return sitk.GetArrayFromImage(image), _meta(np.array(image.GetSpacing(), dtype=float),
                                                np.array(image.GetOrigin(), dtype=float),
                                                direction)


def _read_sitk_bytes(path: Path, raw: bytes) -> tuple[np.ndarray, dict]:
    """SimpleITK's reading of a ``.nii.gz`` from its checked, decompressed bytes.

    ITK's own gzip reading is not trusted: it returns wrong voxels, without an error, for a
    ``.nii.gz`` that is not compressed or that holds several gzip members.
    """
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "volume.nii"
        plain.write_bytes(raw)
        return _read_sitk(plain, shown=path)


def _format(path: Path) -> str:
    return "NIfTI" if path.name.lower().endswith((".nii", ".nii.gz")) else "MetaImage"


def read_volume(path: str | Path, ndim: int | None = 3) -> tuple[np.ndarray, dict]:
    """Read a NIfTI or MetaImage volume.

    Args:
        path: a ``.nii``, ``.nii.gz``, ``.mha`` or ``.mhd`` file (a ``.mhd`` with its ``.raw`` or
            ``.zraw`` beside it).
        ndim: the number of dimensions the array must have (``None`` accepts any).

    Returns:
        ``(array, meta)``: ``array`` (D, H, W) in the file's pixel type (float32 when the NIfTI
        header scales the values); ``meta`` holds ``spacing`` (D, H, W order, mm), ``origin``
        (x, y, z), ``direction`` (3x3, SimpleITK's x, y, z order) and ``affine`` (4x4 voxel
        (x, y, z) index → physical mm).

    Raises:
        DataError: when the file is missing, empty, truncated, corrupt or unreadable, holds
            several values per voxel or NaN/infinite voxels, or has the wrong number of
            dimensions.
    """
    path = Path(path)
    _check_suffix(path)
    path = require_file(path, "volume")
    with reading(path, "volume", f"check that it is a {_format(path)} image or {_REPLACE}"):
        if _format(path) == "NIfTI":
            array, meta = _read_nifti(path)
        else:
            array, meta = _read_metaimage(path)
    if ndim is not None and array.ndim != ndim:
        raise DataError(f"The volume {path.name} has {array.ndim} dimensions {array.shape} but "
                        f"{ndim} are expected; pass a single-channel {ndim}D image.")
    finite_or_raise(array, f"The volume {path.name}")
    return array, meta


def read_label_mask(path: str | Path, labels: set[int] | None = None,
                    ndim: int | None = 3) -> tuple[np.ndarray, dict]:
    """Read a label mask as integers and check its labels.

    Args:
        path: a volume file holding a label mask.
        labels: the allowed labels (0 for background included); ``None`` skips the check.
        ndim: number of dimensions required.

    Returns:
        ``(mask, meta)``: an integer array (D, H, W) (int32 when the file stores floats) and the
        meta of :func:`read_volume`.

    Raises:
        DataError: when the file cannot be read (see :func:`read_volume`), or the mask holds
            non-integer values, values beyond int32, or labels outside ``labels``.
    """
    path = Path(path)
    array, meta = read_volume(path, ndim=ndim)
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise DataError(f"The mask {path.name} holds non-integer values; pass a label mask, "
                            f"not an image or a probability map.")
        info = np.iinfo(np.int32)
        if array.size and (array.min() < info.min or array.max() > info.max):
            raise DataError(f"The mask {path.name} holds values beyond the int32 range "
                            f"({array.min():g} .. {array.max():g}); pass a label mask with "
                            f"small whole-number labels.")
        array = array.astype(np.int32)
    if labels is not None:
        extra = sorted(set(np.unique(array).tolist()) - set(labels))
        if extra:
            raise DataError(f"The mask {path.name} holds labels {extra[:10]} that are not among "
                            f"the declared labels {sorted(labels)[:10]}; check that the mask "
                            f"matches the dataset's label convention.")
    return array, meta
