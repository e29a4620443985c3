"""FastDenseBlock3d: same dense-block outputs as the inflated torchvision blocks, same hook points."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from common.errors import CourseError
from common.inflate.fast_block import FastDenseBlock3d, fast_dense_blocks

from .reference_inflation import reference_inflate_densenet


def _pooled(model, x, names=("denseblock2", "denseblock3", "denseblock4")):
    out = {}
    handles = [getattr(model.features, n).register_forward_hook(
        lambda m, i, o, n=n: out.__setitem__(n, o.mean(dim=(2, 3, 4)))) for n in names]
    with torch.inference_mode():
        model.features(x)
    for h in handles:
        h.remove()
    return out


def test_fast_blocks_match_plain_blocks():
    torch.manual_seed(0)
    model2d = torchvision.models.densenet121(weights=None).eval()
    with torch.no_grad():
        for bn in model2d.modules():
            if isinstance(bn, nn.BatchNorm2d):
                bn.running_mean.uniform_(-0.5, 0.5)
                bn.running_var.uniform_(0.5, 2.0)
                bn.bias.uniform_(-0.2, 0.2)
    plain = reference_inflate_densenet(model2d).eval()
    x = torch.randn(1, 1, 32, 40, 36)
    ref = _pooled(plain, x)
    fast = fast_dense_blocks(reference_inflate_densenet(model2d).eval())
    assert isinstance(fast.features.denseblock3, FastDenseBlock3d)
    got = _pooled(fast, x.contiguous(memory_format=torch.channels_last_3d))
    for name in ref:
        err = ((got[name] - ref[name]).abs().max() / ref[name].abs().max()).item()
        assert err < 1e-4, (name, err)


def test_training_mode_is_refused():
    model = reference_inflate_densenet(torchvision.models.densenet121(weights=None))
    with pytest.raises(CourseError, match="eval"):
        fast_dense_blocks(model)
