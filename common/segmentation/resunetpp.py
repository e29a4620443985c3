"""ResUNet++ (Jha et al., 2019) for 2D images, assembled from MONAI blocks.

No library ships ResUNet++; its parts are in MONAI: residual units (``ResidualUnit``),
squeeze-and-excitation (``ChannelSELayer``) and atrous spatial pyramid pooling (``SimpleASPP``).
Only the attention gate of the decoder is written here.

Structure: a residual stem; three residual encoder stages with stride 2, each followed by
squeeze-and-excitation; an ASPP bridge; three decoder stages, each an attention gate (the skip
features weigh the decoder features), 2x upsampling, concatenation with the skip and a residual
unit; a final ASPP and a 1x1 convolution.
"""

from __future__ import annotations

from typing import Sequence

import torch
from monai.networks.blocks import ChannelSELayer, ResidualUnit, SimpleASPP
from torch import nn

__all__ = ["ResUNetPlusPlus", "AttentionGate"]


class AttentionGate(nn.Module):
    """ResUNet++ attention: skip features (at 2x resolution) gate the decoder features.

    Args:
        skip_channels: channels of the encoder skip ``s`` of shape (B, Cs, 2H, 2W).
        channels: channels of the decoder features ``x`` of shape (B, C, H, W).

    Returns (forward): ``x`` weighted by a learned map, (B, C, H, W).
    """

    def __init__(self, skip_channels: int, channels: int):
        super().__init__()
        self.skip = nn.Sequential(nn.BatchNorm2d(skip_channels), nn.ReLU(),
                                  nn.Conv2d(skip_channels, channels, 3, padding=1), nn.MaxPool2d(2))
        self.gate = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.attn = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 1))

    def forward(self, skip: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.attn(self.skip(skip) + self.gate(x)) * x


def _res(cin: int, cout: int, stride: int = 1) -> ResidualUnit:
    return ResidualUnit(2, cin, cout, strides=stride, subunits=2, norm="BATCH", act="RELU")


class ResUNetPlusPlus(nn.Module):
    """ResUNet++ for 2D segmentation.

    Args:
        in_channels: input channels.
        out_channels: number of classes (logits).
        features: channels of the stem and the three encoder stages, e.g. (16, 32, 64, 128).

    Shapes: (B, in_channels, H, W) with H, W divisible by 8 → (B, out_channels, H, W).

    Example:
        >>> net = ResUNetPlusPlus(1, 2, features=(8, 16, 32, 64))
        >>> tuple(net(torch.zeros(2, 1, 64, 64)).shape)
        (2, 2, 64, 64)
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 2,
                 features: Sequence[int] = (16, 32, 64, 128)):
        super().__init__()
        f = list(features)
        if len(f) != 4:
            raise ValueError("ResUNetPlusPlus needs four feature widths (stem and three stages).")
        self.stem = _res(in_channels, f[0])
        self.se = nn.ModuleList([ChannelSELayer(2, c, r=2) for c in f[:3]])
        self.down = nn.ModuleList([_res(f[i], f[i + 1], stride=2) for i in range(3)])
        # SimpleASPP outputs 4 * conv_out_channels
        self.bridge = SimpleASPP(2, f[3], f[3] // 2, acti_type="RELU")
        self.bridge_proj = nn.Conv2d(2 * f[3], f[3], 1)
        self.attn = nn.ModuleList([AttentionGate(f[i], f[i + 1]) for i in (2, 1, 0)])
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec = nn.ModuleList([_res(f[i + 1] + f[i], f[i]) for i in (2, 1, 0)])
        self.out_aspp = SimpleASPP(2, f[0], max(f[0] // 4, 1), acti_type="RELU")
        self.head = nn.Conv2d(4 * max(f[0] // 4, 1), out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        h = skips[0]
        for i in range(3):
            h = self.down[i](self.se[i](h))
            skips.append(h)
        h = self.bridge_proj(self.bridge(h))
        for j, i in enumerate((2, 1, 0)):
            h = self.attn[j](skips[i], h)
            h = self.dec[j](torch.cat([self.up(h), skips[i]], dim=1))
        return self.head(self.out_aspp(h))
