"""Volume readers and writers for NIfTI (``.nii``, ``.nii.gz``) and MetaImage (``.mha``, ``.mhd``).

Thin over SimpleITK, so arrays come in SimpleITK's (D, H, W) = (Z, Y, X) order and spacing is
returned in the same order; the direction cosines and the origin travel with them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from ..errors import DataError

__all__ = ["VOLUME_SUFFIXES", "read_volume", "write_volume", "read_label_mask"]

#: File endings this module reads and writes.
VOLUME_SUFFIXES = (".nii", ".nii.gz", ".mha", ".mhd")


def _check_suffix(path: Path) -> None:
    if not path.name.lower().endswith(VOLUME_SUFFIXES):
        raise DataError(f"{path.name} is not a volume file; use one of "
                        f"{', '.join(VOLUME_SUFFIXES)}.")


def read_volume(path: str | Path, ndim: int | None = 3) -> tuple[np.ndarray, dict]:
    """Read a NIfTI or MetaImage volume.

    Args:
        path: a ``.nii``, ``.nii.gz``, ``.mha`` or ``.mhd`` file.
        ndim: the number of dimensions the array must have (``None`` accepts any).

    Returns:
        ``(array, meta)``: ``array`` (D, H, W) in the file's pixel type; ``meta`` holds
        ``spacing`` (D, H, W order, mm), ``origin`` (x, y, z), ``direction`` (3x3, SimpleITK's
        x, y, z order) and ``affine`` (4x4 voxel (x, y, z) index → physical mm).

    Raises:
        DataError: when the file is missing, unreadable, or has the wrong number of dimensions.
    """
    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise DataError(f"The volume {path} does not exist; check the path or build the data with "
                        f"`dlmia data build`.")
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError:
        raise DataError(f"The volume {path} cannot be read; the file is truncated or not a "
                        f"{path.suffix} image, replace it.") from None
    array = sitk.GetArrayFromImage(image)
    if ndim is not None and array.ndim != ndim:
        raise DataError(f"The volume {path.name} has {array.ndim} dimensions {array.shape} but "
                        f"{ndim} are expected; pass a single-channel {ndim}D image.")
    dim = image.GetDimension()
    direction = np.array(image.GetDirection(), dtype=float).reshape(dim, dim)
    spacing = np.array(image.GetSpacing(), dtype=float)
    affine = np.eye(dim + 1)
    affine[:dim, :dim] = direction * spacing
    affine[:dim, dim] = image.GetOrigin()
    meta = {
        "spacing": tuple(float(s) for s in spacing[::-1]),
        "origin": tuple(float(o) for o in image.GetOrigin()),
        "direction": direction,
        "affine": affine,
    }
    return array, meta


def write_volume(path: str | Path, array: np.ndarray, spacing: tuple[float, ...] | None = None,
                 origin: tuple[float, ...] | None = None, direction: np.ndarray | None = None,
                 compress: bool = True) -> Path:
    """Write a (D, H, W) array as NIfTI or MetaImage.

    Args:
        path: target file; the ending picks the format.
        array: (D, H, W) (or (H, W)) array.
        spacing: voxel size in the array's (D, H, W) order, mm.
        origin: physical position of the first voxel (x, y, z).
        direction: direction cosines (x, y, z order), ``dim x dim``.
        compress: compress the pixel data (``.mha``; ``.nii.gz`` is always compressed).

    Returns:
        The written path.
    """
    path = Path(path)
    _check_suffix(path)
    image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    if spacing is not None:
        image.SetSpacing([float(s) for s in spacing[::-1]])
    if origin is not None:
        image.SetOrigin([float(o) for o in origin])
    if direction is not None:
        image.SetDirection([float(v) for v in np.asarray(direction).ravel()])
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path), useCompression=compress)
    return path


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
