"""A VGG16-style encoder for FCN-8s: five stages of 3x3 convolutions, each ending in max pooling.

VGG16 has (2, 2, 3, 3, 3) convolutions in its five stages with (64, 128, 256, 512, 512) channels;
``widths`` scales the channels down for a CPU. The stage outputs ``pool3`` (stride 8), ``pool4``
(stride 16) and ``pool5`` (stride 32) are what FCN-8s fuses.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

__all__ = ["VGGEncoder", "VGG16_CONVS"]

#: Number of 3x3 convolutions per stage in VGG16.
VGG16_CONVS = (2, 2, 3, 3, 3)


class VGGEncoder(nn.Module):
    """VGG16-style feature extractor returning the outputs of pool3, pool4 and pool5.

    Args:
        in_channels: channels of the input image.
        widths: output channels of the five stages (VGG16: 64, 128, 256, 512, 512).
        convs: convolutions per stage (VGG16: 2, 2, 3, 3, 3).
        batch_norm: add ``BatchNorm2d`` after every convolution (as ``vgg16_bn``).

    Shapes: input (B, C, H, W) with H, W divisible by 32 → ``(pool3, pool4, pool5)`` of shapes
    (B, widths[2], H/8, W/8), (B, widths[3], H/16, W/16), (B, widths[4], H/32, W/32).

    Example:
        >>> enc = VGGEncoder(1, widths=(8, 16, 32, 64, 64))
        >>> [tuple(t.shape) for t in enc(torch.zeros(2, 1, 64, 64))]
        [(2, 32, 8, 8), (2, 64, 4, 4), (2, 64, 2, 2)]
    """

    def __init__(self, in_channels: int = 1, widths: Sequence[int] = (64, 128, 256, 512, 512),
                 convs: Sequence[int] = VGG16_CONVS, batch_norm: bool = True):
        super().__init__()
        if len(widths) != 5 or len(convs) != 5:
            raise ValueError("VGGEncoder needs five stage widths and five convolution counts.")
        self.widths = tuple(widths)
        stages = []
        ch = in_channels
        for width, n in zip(widths, convs):
            layers: list[nn.Module] = []
            for _ in range(n):
                layers.append(nn.Conv2d(ch, width, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(width))
                layers.append(nn.ReLU(inplace=True))
                ch = width
            layers.append(nn.MaxPool2d(2))
            stages.append(nn.Sequential(*layers))
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pools = []
        for stage in self.stages:
            x = stage(x)
            pools.append(x)
        return pools[2], pools[3], pools[4]
