"""Property of I3D inflation: a volume constant along depth gives the 2D activations.

The reference inflation lives in ``reference_inflation.py`` (tests only; the lab's graded
inflation is the students' task). Zero padding along depth alters the first and last slices, so
the central depth slice is compared; the tolerance is 1e-4 relative to the largest activation.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from .reference_inflation import (reference_inflate_conv, reference_inflate_densenet)

REL_TOL = 1e-4


def _activations(features: nn.Module, x: torch.Tensor, names: list[str]) -> dict:
    out = {}
    for name, layer in features.named_children():
        x = layer(x)
        out[name] = x
    return {n: out[n] for n in names}


def _relative_error(model2d, model3d, side: int, depth: int, names: list[str]) -> dict:
    x2 = torch.randn(1, 1, side, side, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        a = _activations(model2d.features, x2.expand(-1, 3, -1, -1), names)
        b = _activations(model3d.features, x2[:, :, None].expand(1, 1, depth, side, side)
                         .contiguous(), names)
    return {n: ((b[n][:, :, b[n].shape[2] // 2] - a[n]).abs().max() / a[n].abs().max()).item()
            for n in names}


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    model2d = torchvision.models.densenet121(weights=None).eval()
    with torch.no_grad():  # BatchNorm unlike a fresh layer's, as trained weights have
        for bn in model2d.modules():
            if isinstance(bn, nn.BatchNorm2d):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.uniform_(-0.2, 0.2)
    return model2d, reference_inflate_densenet(model2d).eval()


def test_conv_on_constant_depth_matches_2d():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 7, stride=2, padding=3, bias=True)
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        y3 = reference_inflate_conv(conv)(x[:, :, None].expand(1, 3, 16, 16, 16).contiguous())
        y2 = conv(x)
    assert (y3[:, :, 2:-2] - y2[:, :, None]).abs().max().item() < 1e-5


def test_shallow_block_matches_2d(models):
    err = _relative_error(*models, side=32, depth=64, names=["denseblock1"])
    assert err["denseblock1"] < REL_TOL, err


@pytest.mark.slow
def test_hooked_blocks_match_2d(models):
    err = _relative_error(*models, side=32, depth=320,
                          names=["denseblock2", "denseblock3", "denseblock4"])
    assert all(e < REL_TOL for e in err.values()), err


def test_broken_inflation_is_caught(models):
    """Without the division by depth the property fails: the test can fail."""
    model2d, model3d = models
    broken = reference_inflate_densenet(model2d).eval()
    with torch.no_grad():
        broken.features.conv0.weight.mul_(7)
    err = _relative_error(model2d, broken, side=32, depth=64, names=["denseblock1"])
    assert err["denseblock1"] > 1e-2


def test_missing_batchnorm_copy_is_caught(models):
    """BatchNorm3d layers left fresh (statistics and affine parameters not copied) break the
    property, because the 2D model's BatchNorm differs from a fresh layer's."""
    model2d, _ = models
    broken = reference_inflate_densenet(model2d).eval()
    for module in broken.features.modules():
        if isinstance(module, nn.BatchNorm3d):
            module.reset_parameters()          # what a BatchNorm3d that copied nothing holds
    err = _relative_error(model2d, broken, side=32, depth=64, names=["denseblock1"])
    assert err["denseblock1"] > 1e-2
