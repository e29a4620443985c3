"""The comparison networks of lab04, from MONAI where MONAI has them.

- UNet++: MONAI ``BasicUNetPlusPlus`` (nested, densely connected skip pathways);
- ResUNet: MONAI ``UNet`` with residual units (``num_res_units=2``);
- ResUNet++: :class:`common.segmentation.resunetpp.ResUNetPlusPlus` (assembled from MONAI blocks).

Every factory returns a module mapping (B, in_channels, H, W) to logits (B, out_channels, H, W).
"""

from __future__ import annotations

from typing import Sequence

import torch
from monai.networks.nets import BasicUNetPlusPlus, UNet
from torch import nn

from .resunetpp import ResUNetPlusPlus

__all__ = ["unet_plus_plus", "res_unet", "res_unet_plus_plus", "FirstOutput"]


class FirstOutput(nn.Module):
    """Wrap a network that returns a list of outputs (deep supervision) and keep the first."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        return out[0] if isinstance(out, (list, tuple)) else out


def unet_plus_plus(in_channels: int = 1, out_channels: int = 2,
                   features: Sequence[int] = (8, 8, 16, 32, 64, 8)) -> nn.Module:
    """UNet++ (MONAI ``BasicUNetPlusPlus``, 2D, batch norm); H and W divisible by 16."""
    return FirstOutput(BasicUNetPlusPlus(spatial_dims=2, in_channels=in_channels,
                                         out_channels=out_channels, features=tuple(features),
                                         norm="batch"))


def res_unet(in_channels: int = 1, out_channels: int = 2,
             channels: Sequence[int] = (16, 32, 64, 128)) -> nn.Module:
    """ResUNet (MONAI ``UNet`` with two residual units per level, batch norm)."""
    return UNet(spatial_dims=2, in_channels=in_channels, out_channels=out_channels,
                channels=tuple(channels), strides=(2,) * (len(channels) - 1), num_res_units=2,
                norm="batch")


def res_unet_plus_plus(in_channels: int = 1, out_channels: int = 2,
                       features: Sequence[int] = (16, 32, 64, 128)) -> nn.Module:
    """ResUNet++ (see :mod:`common.segmentation.resunetpp`); H and W divisible by 8."""
    return ResUNetPlusPlus(in_channels, out_channels, features)
