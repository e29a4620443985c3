"""Volume readers for NIfTI (``.nii``, ``.nii.gz``) and MetaImage (``.mha``, ``.mhd``).

Arrays come in SimpleITK's (D, H, W) = (Z, Y, X) order, spacing in the same order, and the origin
and direction cosines in SimpleITK's physical (LPS) frame, whichever library read the file:

* a plain 3D NIfTI-1 (scalar voxels; a qform, or an orthonormal sform alone) is read with
  nibabel, about 3x faster than SimpleITK on small gzipped volumes, and its geometry is converted
  to SimpleITK's conventions;
* everything else (MetaImage, 2D or 4D NIfTI, a qform that disagrees with the sform, no
  orientation at all) is read with SimpleITK itself.

A NIfTI holding fewer voxel bytes than its header declares is refused (SimpleITK would fill the
missing voxels with zeros without a word).

Example:
    >>> ct, meta = read_volume(data_root() / "knee_ct" / "knee_ct.nii.gz")
    >>> ct.shape                 # (D, H, W) = (Z, Y, X); meta["spacing"] in the same order
    (128, 112, 112)
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np
import SimpleITK as sitk

from ..errors import DataError

__all__ = ["VOLUME_SUFFIXES", "read_volume", "read_label_mask"]

#: File endings this module reads.
VOLUME_SUFFIXES = (".nii", ".nii.gz", ".mha", ".mhd")

#: Header sizes of NIfTI-1 and NIfTI-2 (the latter is read by SimpleITK after the byte count).
_NIFTI1_HEADER, _NIFTI2_HEADER = 348, 540
#: LPS (SimpleITK) = diag(-1, -1, 1) @ RAS (nibabel).
_RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])


def _check_suffix(path: Path) -> None:
    if not path.name.lower().endswith(VOLUME_SUFFIXES):
        raise DataError(f"{path.name} is not a volume file; use one of "
                        f"{', '.join(VOLUME_SUFFIXES)}.")


def _unreadable(path: Path) -> DataError:
    return DataError(f"The volume {path} cannot be read; the file is truncated or not a "
                     f"{path.suffix} image, replace it.")


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


def _read_nifti(path: Path) -> tuple[np.ndarray, dict] | None:
    """Read a plain 3D NIfTI-1 with nibabel; None when SimpleITK must read it.

    The voxel bytes are counted first, for every NIfTI: a short file would otherwise load
    without an error (SimpleITK fills the missing voxels with zeros).
    """
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except gzip.BadGzipFile:
            return None  # not gzipped after all: SimpleITK reads it or says why not
        except (EOFError, OSError, zlib.error):
            raise _unreadable(path) from None
    sizes = {int.from_bytes(raw[:4], order) for order in ("little", "big")}
    klass = (nib.Nifti1Image if _NIFTI1_HEADER in sizes
             else nib.Nifti2Image if _NIFTI2_HEADER in sizes else None)
    if klass is None:
        return None
    try:
        image = klass.from_bytes(raw)
    except Exception:  # nibabel raises several kinds for a damaged header
        raise _unreadable(path) from None
    dtype = image.get_data_dtype()
    if len(raw) < image.dataobj.offset + int(np.prod(image.shape)) * dtype.itemsize:
        raise _unreadable(path)
    affine = _geometry(image.header)
    if (klass is not nib.Nifti1Image or affine is None or len(image.shape) != 3
            or dtype.fields is not None or dtype.kind not in "iuf"):
        return None
    data = np.asarray(image.dataobj)
    if image.dataobj.slope != 1 or image.dataobj.inter != 0:
        data = data.astype(np.float64 if dtype == np.float64 else np.float32)  # as SimpleITK
    data = data.astype(data.dtype.newbyteorder("="), copy=False)
    spacing = np.array(image.header.get_zooms()[:3], dtype=float)
    direction = _RAS_TO_LPS @ (affine[:3, :3] / spacing)
    origin = _RAS_TO_LPS @ affine[:3, 3]
    return data.transpose(2, 1, 0), _meta(spacing, origin, direction)


def _read_sitk(path: Path) -> tuple[np.ndarray, dict]:
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError:
        raise _unreadable(path) from None
    dim = image.GetDimension()
    direction = np.array(image.GetDirection(), dtype=float).reshape(dim, dim)
    return sitk.GetArrayFromImage(image), _meta(np.array(image.GetSpacing(), dtype=float),
                                                np.array(image.GetOrigin(), dtype=float),
                                                direction)


def read_volume(path: str | Path, ndim: int | None = 3) -> tuple[np.ndarray, dict]:
    """Read a NIfTI or MetaImage volume.

    Args:
        path: a ``.nii``, ``.nii.gz``, ``.mha`` or ``.mhd`` file.
        ndim: the number of dimensions the array must have (``None`` accepts any).

    Returns:
        ``(array, meta)``: ``array`` (D, H, W) in the file's pixel type (float32 when the NIfTI
        header scales the values); ``meta`` holds ``spacing`` (D, H, W order, mm), ``origin``
        (x, y, z), ``direction`` (3x3, SimpleITK's x, y, z order) and ``affine`` (4x4 voxel
        (x, y, z) index → physical mm).

    Raises:
        DataError: when the file is missing, unreadable, or has the wrong number of dimensions.
    """
    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise DataError(f"The volume {path} does not exist; check the path or build the data with "
                        f"`dlmia data build`.")
    fast = _read_nifti(path) if path.name.lower().endswith((".nii", ".nii.gz")) else None
    array, meta = fast if fast is not None else _read_sitk(path)
    if ndim is not None and array.ndim != ndim:
        raise DataError(f"The volume {path.name} has {array.ndim} dimensions {array.shape} but "
                        f"{ndim} are expected; pass a single-channel {ndim}D image.")
    return array, meta


def read_label_mask(path: str | Path, labels: set[int] | None = None,
                    ndim: int | None = 3) -> tuple[np.ndarray, dict]:
    """Read a label mask as integers and check its labels.

    Args:
        path: a volume file holding a label mask.
        labels: the allowed labels (0 for background included); ``None`` skips the check.
        ndim: number of dimensions required.

    Returns:
        ``(mask, meta)``: an integer array (D, H, W) and the meta of :func:`read_volume`.

    Raises:
        DataError: when the mask holds non-integer values or labels outside ``labels``.
    """
    path = Path(path)
    array, meta = read_volume(path, ndim=ndim)
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise DataError(f"The mask {path.name} holds non-integer values; pass a label mask, "
                            f"not an image or a probability map.")
        array = array.astype(np.int32)
    if labels is not None:
        extra = sorted(set(np.unique(array).tolist()) - set(labels))
        if extra:
            raise DataError(f"The mask {path.name} holds labels {extra[:10]} that are not among "
                            f"the declared labels {sorted(labels)[:10]}; check that the mask "
                            f"matches the dataset's label convention.")
    return array, meta
