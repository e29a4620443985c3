"""Rotation and contrast augmentation of image tensors with MONAI, applied per sample."""

from __future__ import annotations

import math

import numpy as np
import torch
from monai.transforms import Compose, RandAdjustContrast, RandRotate
from torch.utils.data import Dataset

__all__ = ["slice_augmentation", "AugmentedDataset"]


def slice_augmentation(max_degrees: float = 15.0, gamma: tuple[float, float] = (0.8, 1.25),
                       prob: float = 0.5, seed: int = 0) -> Compose:
    """Random in-plane rotation and gamma contrast change for channel-first images.

    Works on ``(C, H, W)`` slices (every channel rotated alike, so adjacent slices stay aligned)
    and on ``(C, D, H, W)`` volumes (rotation about the depth axis only).

    Args:
        max_degrees: rotation drawn uniformly in ``[-max_degrees, max_degrees]``.
        gamma: range of the contrast exponent (MONAI ``RandAdjustContrast``).
        prob: probability of each transform.
        seed: seeds MONAI's random state so that a run repeats.
    """
    angle = math.radians(max_degrees)
    transform = Compose([
        RandRotate(range_x=angle, prob=prob, padding_mode="border", keep_size=True),
        RandAdjustContrast(prob=prob, gamma=gamma),
    ])
    transform.set_random_state(seed=seed)
    return transform


class _VolumeRotate:
    """Rotate (C, D, H, W) about the depth axis by treating depth as channels."""

    def __init__(self, transform: Compose):
        self.transform = transform

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        c, d, h, w = x.shape
        return torch.as_tensor(self.transform(x.reshape(c * d, h, w))).reshape(c, d, h, w)


class AugmentedDataset(Dataset):
    """Applies ``transform`` to the first input of every ``((image, *rest), label)`` sample.

    Args:
        inputs: tensors with N rows; the first is the image, ``(N, C, H, W)`` or
            ``(N, C, D, H, W)``.
        labels: (N,) integer labels.
        transform: e.g. :func:`slice_augmentation`; ``None`` disables augmentation.
    """

    def __init__(self, inputs, labels, transform: Compose | None = None):
        self.inputs = [torch.as_tensor(t, dtype=torch.float32) for t in inputs]
        self.labels = torch.tensor(np.array(labels), dtype=torch.long)  # a copy: pandas arrays are read-only
        self.transform = transform
        if transform is not None and self.inputs[0].ndim == 5:
            self.transform = _VolumeRotate(transform)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        image = self.inputs[0][i]
        if self.transform is not None:
            image = torch.as_tensor(self.transform(image), dtype=torch.float32)
            image = image.as_subclass(torch.Tensor) if hasattr(image, "as_subclass") else image
        return (image, *(t[i] for t in self.inputs[1:])), self.labels[i]
