"""Read the knee CT and its bone mask, and turn a CT region into the inflated model's input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import DataError
from ..paths import data_root, require_dir

__all__ = ["KneeCT", "load_knee_ct", "to_model_input", "HU_WINDOW", "IMAGENET_GREY"]

#: HU window mapped to [0, 1] before normalisation: air to dense cortical bone.
HU_WINDOW = (-1000.0, 1500.0)
#: mean and std of ImageNet's three channels averaged: the collapsed first convolution sums the
#: RGB kernels, so a grey input normalised like an average channel matches what it was trained on.
IMAGENET_GREY = (0.449, 0.226)


@dataclass
class KneeCT:
    """A knee CT and its labels.

    Attributes:
        ct: (D, H, W) float32 HU values.
        mask: (D, H, W) uint8 labels, 0 background, 1 tibia, 2 femur.
        spacing: voxel size in mm along (X, Y, Z).
    """

    ct: np.ndarray
    mask: np.ndarray
    spacing: tuple[float, float, float]


def load_knee_ct(folder: Path | None = None, ct_name: str = "knee_ct.nii.gz",
                 mask_name: str = "bone_segmented.nii.gz") -> KneeCT:
    """Read the CT and the mask with :func:`common.io.read_volume` and :func:`read_label_mask`.

    Args:
        folder: the dataset folder (default ``<data root>/knee_ct``); a real scan works when its
            two files are named ``ct_name`` and ``mask_name``.
        ct_name, mask_name: file names inside ``folder`` (NIfTI or MetaImage).

    Returns:
        A :class:`KneeCT` with (D, H, W) arrays.

    Raises:
        DataError: when a file is missing or unreadable, or the CT and mask shapes differ.
    """
    # imported here: a process that only runs the model (the benchmark) stays smaller
    from ..io.volumes import read_label_mask, read_volume

    folder = require_dir(Path(folder) if folder else data_root() / "knee_ct", "the knee CT",
                         "knee_ct")
    paths = [folder / ct_name, folder / mask_name]
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path} was not found; run `dlmia data build knee_ct` or name the "
                            f"files with ct_name= and mask_name=.")
    ct, meta = read_volume(paths[0])
    mask, _ = read_label_mask(paths[1])
    if ct.shape != mask.shape:
        raise DataError(f"The CT has shape {ct.shape} but the mask {mask.shape}; use the mask "
                        f"that was segmented on this CT.")
    return KneeCT(ct=ct.astype(np.float32), mask=mask.astype(np.uint8),
                  spacing=tuple(meta["spacing"][::-1]))


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
