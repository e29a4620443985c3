"""Small 3D ResNets (MONAI) for whole-volume classification: a full classifier and a trunk."""

from __future__ import annotations

from monai.networks.nets import ResNet
from torch import nn

__all__ = ["resnet3d_small", "resnet3d_trunk"]


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


def resnet3d_trunk(in_channels: int = 1, width: int = 8) -> tuple[nn.Sequential, int]:
    """The convolutional part of :func:`resnet3d_small`: feature maps, no pooling, no classifier.

    Args:
        in_channels: input channels C.
        width: channels of the first stage (then 2×, 4×, 8×).

    Returns:
        ``(trunk, out_channels)``; ``trunk`` maps (B, C, D, H, W) to feature maps
        (B, 8·width, D/8, H/16, W/16) (sizes rounded up), for a head to pool and classify.
    """
    net = resnet3d_small(in_channels=in_channels, num_classes=2, width=width)
    trunk = nn.Sequential(net.conv1, net.bn1, net.act, net.layer1, net.layer2, net.layer3,
                          net.layer4)
    return trunk, 8 * width
