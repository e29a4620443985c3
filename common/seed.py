"""One call that makes a CPU run repeat to the last digit."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = ["seed_everything", "seeded_generator"]


def seed_everything(seed: int = 0, deterministic: bool = True) -> int:
    """Seed Python, NumPy and PyTorch and ask PyTorch for deterministic kernels.

    Args:
        seed: the seed.
        deterministic: also request deterministic algorithms (warn-only where none exists).

    Returns:
        The seed, for logging.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return seed


def seeded_generator(seed: int = 0) -> torch.Generator:
    """A ``torch.Generator`` for ``DataLoader(shuffle=True, generator=...)``."""
    g = torch.Generator()
    g.manual_seed(seed)
    return g
