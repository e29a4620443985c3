"""A small 3D ResNet (MONAI) for whole-volume classification."""

from __future__ import annotations

from monai.networks.nets import ResNet
from torch import nn

__all__ = ["resnet3d_small"]


def resnet3d_small(in_channels: int = 1, num_classes: int = 2, width: int = 8) -> nn.Module:
    """MONAI ``ResNet`` with one basic block per stage, for volumes ``(B, C, D, H, W)``.

    The first convolution (3×3×3) keeps the depth and halves height and width, so thin volumes
    (16 slices) keep their context along Z.

    Args:
        in_channels: input channels C. num_classes: output logits.
        width: channels of the first stage (then 2×, 4×, 8×).

    Returns:
        A module mapping (B, C, D, H, W) to logits (B, num_classes).
    """
    return ResNet(block="basic", layers=[1, 1, 1, 1], block_inplanes=[width, 2 * width, 4 * width, 8 * width],
                  spatial_dims=3, n_input_channels=in_channels, conv1_t_size=3,
                  conv1_t_stride=(1, 2, 2), no_max_pool=True, num_classes=num_classes)
