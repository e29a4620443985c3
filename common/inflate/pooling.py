"""3D global average pooling: a feature map becomes one vector per sample."""

from __future__ import annotations

import torch

from ..errors import ShapeError

__all__ = ["global_avg_pool3d"]


def global_avg_pool3d(x: torch.Tensor) -> torch.Tensor:
    """Average a 3D feature map over depth, height and width.

    Args:
        x: (B, C, D, H, W) feature map.

    Returns:
        (B, C) tensor, the mean of each channel.

    Raises:
        ShapeError: when ``x`` is not 5-dimensional.

    Example:
        >>> global_avg_pool3d(torch.ones(2, 8, 4, 4, 4)).shape
        torch.Size([2, 8])
    """
    if x.dim() != 5:
        raise ShapeError(
            f"global_avg_pool3d expects a (B, C, D, H, W) feature map but got shape "
            f"{tuple(x.shape)}; hook a 3D layer of the inflated model."
        )
    return x.mean(dim=(2, 3, 4))
