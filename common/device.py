"""Choose the compute device once, in one place: CUDA, then Apple MPS, then CPU."""

from __future__ import annotations

import os

import torch

from .env import DEVICE_ENV

__all__ = ["get_device"]


def get_device(prefer: str | None = None) -> torch.device:
    """The best available device, or the one named by ``prefer`` / ``$DLMIA_DEVICE``.

    Args:
        prefer: ``"cpu"``, ``"cuda"``, ``"mps"`` or ``None`` for automatic choice.

    Returns:
        A ``torch.device``.
    """
    name = prefer or os.environ.get(DEVICE_ENV)
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
