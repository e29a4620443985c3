"""A reference I3D inflation of torchvision's DenseNet121, used only by the tests.

It follows the lab's rules: Conv2d → Conv3d with the kernel repeated along depth and divided by
the depth, BatchNorm2d → BatchNorm3d with copied parameters and statistics, pooling → 3D, and the
first convolution summed over its three input channels.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from common.inflate import DenseNet3D

__all__ = ["reference_inflate_conv", "reference_inflate", "reference_inflate_densenet"]


def reference_inflate_conv(conv: nn.Conv2d) -> nn.Conv3d:
    """Conv2d (k×k) → Conv3d (k×k×k) with the I3D rule."""
    depth = conv.kernel_size[0]
    out = nn.Conv3d(conv.in_channels, conv.out_channels, (depth, *conv.kernel_size),
                    stride=(conv.stride[0], *conv.stride), padding=(conv.padding[0], *conv.padding),
                    dilation=(conv.dilation[0], *conv.dilation), groups=conv.groups,
                    bias=conv.bias is not None)
    with torch.no_grad():
        out.weight.copy_(conv.weight.unsqueeze(2).repeat(1, 1, depth, 1, 1) / depth)
        if conv.bias is not None:
            out.bias.copy_(conv.bias)
    return out


def _bn(bn: nn.BatchNorm2d) -> nn.BatchNorm3d:
    out = nn.BatchNorm3d(bn.num_features, eps=bn.eps, momentum=bn.momentum, affine=bn.affine,
                         track_running_stats=bn.track_running_stats)
    out.load_state_dict(bn.state_dict())
    return out


def reference_inflate(module: nn.Module) -> nn.Module:
    """Replace every 2D layer of ``module`` in place (recursively) and return it."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            new = reference_inflate_conv(child)
        elif isinstance(child, nn.BatchNorm2d):
            new = _bn(child)
        elif isinstance(child, nn.MaxPool2d):
            new = nn.MaxPool3d(child.kernel_size, child.stride, child.padding, child.dilation,
                               ceil_mode=child.ceil_mode)
        elif isinstance(child, nn.AvgPool2d):
            new = nn.AvgPool3d(child.kernel_size, child.stride, child.padding,
                               ceil_mode=child.ceil_mode, count_include_pad=child.count_include_pad)
        else:
            new = reference_inflate(child)
        setattr(module, name, new)
    return module


def reference_inflate_densenet(model2d: nn.Module) -> DenseNet3D:
    """Inflate a torchvision DenseNet to a one-channel :class:`DenseNet3D` (model2d untouched)."""
    model = copy.deepcopy(model2d)
    conv0 = model.features.conv0
    one = nn.Conv2d(1, conv0.out_channels, conv0.kernel_size, conv0.stride, conv0.padding,
                    bias=conv0.bias is not None)
    with torch.no_grad():
        one.weight.copy_(conv0.weight.sum(1, keepdim=True))
    model.features.conv0 = one
    return DenseNet3D(reference_inflate(model.features), model.classifier)
