"""Read knee CTs and their bone masks, resample them to one isotropic grid, and turn a CT region
into the inflated model's input.

A knee is a CT and a bone mask on the same grid (NIfTI or MetaImage), the mask named
``bone_segmented`` (``bone_segmented.nii.gz``, ``.nii``, ``.mha`` or ``.mhd``) beside exactly one
CT file. The dataset folder holds either one knee (the two files directly inside it) or one
subfolder per knee. Every knee is reoriented to LPS (so depth D runs from foot to head) and
resampled with SimpleITK to a stated isotropic spacing (linear interpolation for the CT, nearest
neighbour for the mask), then cropped to the labelled bones and a margin (at least
:data:`MIN_SIDE` voxels along each axis, padded with air where the scan ends), so scans of any
size and spacing reach the network on the same grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from ..paths import data_root, require_dir

__all__ = ["KneeCT", "find_knee_cases", "load_knee_ct", "load_knee_cases", "resample_isotropic",
           "to_model_input", "HU_WINDOW", "IMAGENET_GREY", "MASK_STEM", "MAX_VOXELS", "MIN_SIDE"]

#: HU window mapped to [0, 1] before normalisation: air to dense cortical bone.
HU_WINDOW = (-1000.0, 1500.0)
#: mean and std of ImageNet's three channels averaged: the collapsed first convolution sums the
#: RGB kernels, so a grey input normalised like an average channel matches what it was trained on.
IMAGENET_GREY = (0.449, 0.226)
#: file name (without its volume suffix) of a knee's bone mask.
MASK_STEM = "bone_segmented"
#: largest resampled knee (voxels) the lab accepts: a 3D DenseNet121 pass on it fits a laptop.
MAX_VOXELS = 200 ** 3
#: HU value of the voxels a resampling adds outside the scan (air).
AIR_HU = -1000.0
#: smallest side (voxels) of a cropped knee: DenseNet121 halves a volume five times, and its last
#: transition pools 2 x 2 x 2, so every side needs at least 32 voxels.
MIN_SIDE = 32

_SUFFIXES = (".nii.gz", ".nii", ".mha", ".mhd")


@dataclass
class KneeCT:
    """A knee CT and its labels on an isotropic grid.

    Attributes:
        case_id: the knee's name (its folder, or its CT file without the suffix).
        ct: (D, H, W) float32 HU values, D from foot to head.
        mask: (D, H, W) uint8 labels, 0 background, 1 tibia, 2 femur.
        spacing: voxel size in mm along (X, Y, Z) after resampling (all equal).
        source_spacing: voxel size in mm along (X, Y, Z) in the file.
        source_shape: (D, H, W) in the file.
    """

    case_id: str
    ct: np.ndarray
    mask: np.ndarray
    spacing: tuple[float, float, float]
    source_spacing: tuple[float, float, float]
    source_shape: tuple[int, int, int]


def _stem(path: Path) -> str | None:
    name = path.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return None


def _volumes(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and _stem(p) is not None)


def _case_in(folder: Path) -> tuple[str, Path, Path] | None:
    files = _volumes(folder)
    masks = [p for p in files if _stem(p) == MASK_STEM]
    if not masks:
        return None
    if len(masks) > 1:
        raise DataError(f"{folder} holds {len(masks)} bone masks "
                        f"({', '.join(p.name for p in masks)}); keep one per knee.")
    cts = [p for p in files if p != masks[0]]
    if len(cts) != 1:
        found = ", ".join(p.name for p in cts) or "none"
        raise DataError(f"{folder} must hold exactly one CT beside {masks[0].name}, but holds "
                        f"{len(cts)} ({found}); give each knee its own folder.")
    return _stem(cts[0]), cts[0], masks[0]


def find_knee_cases(folder: Path | None = None) -> list[tuple[str, Path, Path]]:
    """The knees in a dataset folder: ``[(case_id, ct_path, mask_path), ...]``, sorted by id.

    Args:
        folder: the dataset folder (default ``<data root>/knee_ct``). It holds one knee (a CT and
            ``bone_segmented.*`` directly inside) or one subfolder per knee (the subfolder's
            name is the case id); subfolders without a bone mask are ignored.

    Raises:
        DataError: when the folder is missing, holds no knee, or a knee folder holds several
            masks or not exactly one CT.
    """
    folder = require_dir(Path(folder) if folder else data_root() / "knee_ct", "the knee CTs",
                         "knee_ct")
    single = _case_in(folder)
    if single is not None:
        return [single]
    cases = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        found = _case_in(sub)
        if found is not None:
            cases.append((sub.name, found[1], found[2]))
    if not cases:
        raise DataError(f"{folder} holds no knee: put a CT and its mask {MASK_STEM}.nii.gz (or "
                        f".mha) in it, or one such pair per subfolder; run `dlmia data build "
                        f"knee_ct` for the phantom.")
    return cases


def _image(array: np.ndarray, meta: dict):
    import SimpleITK as sitk

    image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    image.SetSpacing([float(s) for s in meta["spacing"][::-1]])
    image.SetOrigin([float(o) for o in meta["origin"]])
    image.SetDirection([float(d) for d in np.asarray(meta["direction"]).ravel()])
    return image


def resample_isotropic(array: np.ndarray, meta: dict, spacing_mm: float,
                       nearest: bool = False, fill: float = 0.0) -> np.ndarray:
    """Reorient a volume to LPS and resample it to ``spacing_mm`` along every axis (SimpleITK).

    Args:
        array: (D, H, W) values as :func:`common.io.read_volume` returns them.
        meta: its ``meta`` (spacing, origin, direction).
        spacing_mm: the output voxel size.
        nearest: nearest-neighbour interpolation (label masks) instead of linear (images).
        fill: value of output voxels that fall outside the input.

    Returns:
        (D', H', W') array on the LPS-oriented isotropic grid (D' foot to head); float32 for
        images, the input's integer type for masks.
    """
    import SimpleITK as sitk

    image = _image(array if nearest else np.asarray(array, np.float32), meta)
    image = sitk.DICOMOrient(image, "LPS")
    size = [max(1, int(round(n * s / spacing_mm))) for n, s in zip(image.GetSize(),
                                                                     image.GetSpacing())]
    out = sitk.Resample(image, size, sitk.Transform(),
                        sitk.sitkNearestNeighbor if nearest else sitk.sitkLinear,
                        image.GetOrigin(), (float(spacing_mm),) * 3, image.GetDirection(),
                        float(fill), image.GetPixelID())
    return sitk.GetArrayFromImage(out)


def load_knee_ct(ct_path: Path, mask_path: Path, spacing_mm: float = 1.0,
                 margin_mm: float = 15.0, case_id: str | None = None) -> KneeCT:
    """Read one knee, resample it to ``spacing_mm`` and crop it to its bones plus a margin.

    Args:
        ct_path: the CT (HU), NIfTI or MetaImage.
        mask_path: its bone mask on the same grid (0 background, 1 tibia, 2 femur).
        spacing_mm: isotropic voxel size of the result.
        margin_mm: soft tissue kept around the bounding box of the labelled bones; the box is
            widened to :data:`MIN_SIDE` voxels where it is thinner (air beyond the scan).
        case_id: the knee's name (default: the CT's file name without its suffix).

    Raises:
        DataError: when a file is unreadable, the mask holds other labels, the two grids differ,
            the mask labels no bone, or the resampled knee is too large for the lab.
    """
    # imported here: a process that only runs the model (the benchmark) stays smaller
    from ..io.volumes import read_label_mask, read_volume

    ct_path, mask_path = Path(ct_path), Path(mask_path)
    ct, meta = read_volume(ct_path)
    mask, mask_meta = read_label_mask(mask_path, labels={0, 1, 2})
    if ct.shape != mask.shape or not np.allclose(meta["spacing"], mask_meta["spacing"], rtol=1e-3):
        raise DataError(f"The CT {ct_path.name} has shape {ct.shape} and spacing "
                        f"{tuple(round(s, 3) for s in meta['spacing'])} but the mask "
                        f"{mask_path.name} {mask.shape} and "
                        f"{tuple(round(s, 3) for s in mask_meta['spacing'])}; use the mask that "
                        f"was segmented on this CT.")
    if not (mask > 0).any():
        raise DataError(f"The mask {mask_path.name} labels no bone (only 0); label the tibia 1 "
                        f"and the femur 2.")
    ct_iso = resample_isotropic(ct, meta, spacing_mm, fill=AIR_HU)
    mask_iso = resample_isotropic(mask.astype(np.uint8), mask_meta, spacing_mm, nearest=True)
    bones = np.argwhere(mask_iso > 0)
    if not len(bones):
        raise DataError(f"The mask {mask_path.name} keeps no bone voxel at {spacing_mm} mm; use "
                        f"a smaller spacing.")
    pad = int(round(margin_mm / spacing_mm))
    lo = np.maximum(bones.min(0) - pad, 0)
    hi = np.minimum(bones.max(0) + 1 + pad, mask_iso.shape)
    short = np.maximum(MIN_SIDE - (hi - lo), 0)        # too thin for the network: widen the box
    lo, hi = lo - short // 2, hi + short - short // 2
    box = tuple(slice(max(a, 0), min(b, n)) for a, b, n in zip(lo, hi, mask_iso.shape))
    # outside the scan: air and background
    widths = [(max(-a, 0), max(b - n, 0)) for a, b, n in zip(lo, hi, mask_iso.shape)]
    ct_iso = np.pad(ct_iso[box], widths, constant_values=AIR_HU)
    mask_iso = np.pad(mask_iso[box], widths, constant_values=0)
    if ct_iso.size > MAX_VOXELS:
        raise DataError(f"{ct_path.name} resampled to {spacing_mm} mm and cropped to its bones is "
                        f"{ct_iso.shape} voxels, more than the lab's {MAX_VOXELS} limit; use a "
                        f"larger spacing or a mask of the knee region only.")
    return KneeCT(case_id=case_id or _stem(ct_path) or ct_path.name,
                  ct=np.ascontiguousarray(ct_iso, np.float32),
                  mask=np.ascontiguousarray(mask_iso, np.uint8),
                  spacing=(float(spacing_mm),) * 3,
                  source_spacing=tuple(float(s) for s in meta["spacing"][::-1]),
                  source_shape=tuple(int(n) for n in ct.shape))


def load_knee_cases(folder: Path | None = None, spacing_mm: float = 1.0,
                    margin_mm: float = 15.0) -> list[KneeCT]:
    """Every knee of a dataset folder (see :func:`find_knee_cases`), resampled and cropped by
    :func:`load_knee_ct`."""
    return [load_knee_ct(ct, mask, spacing_mm, margin_mm, case_id=case_id)
            for case_id, ct, mask in find_knee_cases(folder)]


def to_model_input(volume: np.ndarray, window: tuple[float, float] = HU_WINDOW,
                   norm: tuple[float, float] = IMAGENET_GREY) -> torch.Tensor:
    """Window a HU volume to [0, 1], normalise it, add batch and channel axes.

    Args:
        volume: (D, H, W) HU values.
        window: HU values mapped to 0 and 1 (values outside are clipped).
        norm: (mean, std) subtracted and divided after windowing.

    Returns:
        (1, 1, D, H, W) float32 tensor.
    """
    volume = np.asarray(volume, np.float32)
    if volume.ndim != 3:
        raise DataError(f"to_model_input expects a (D, H, W) volume but got shape "
                        f"{volume.shape}; pass one region volume at a time.")
    lo, hi = window
    scaled = (np.clip(volume, lo, hi) - lo) / (hi - lo)
    return torch.from_numpy((scaled - norm[0]) / norm[1])[None, None].contiguous()
