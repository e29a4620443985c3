"""lab03's 3D CNN: logits for thin volumes, and it learns a depth-only cue."""

from __future__ import annotations

import pytest
import torch

from common.classification import resnet3d_small, resnet3d_trunk


def test_resnet3d_small_shapes():
    model = resnet3d_small(in_channels=1, num_classes=2, width=4)
    assert tuple(model(torch.rand(3, 1, 16, 32, 32)).shape) == (3, 2)


def test_resnet3d_trunk_gives_feature_maps_of_the_classifier():
    torch.manual_seed(0)
    trunk, channels = resnet3d_trunk(in_channels=1, width=4)
    torch.manual_seed(0)
    full = resnet3d_small(in_channels=1, num_classes=2, width=4).eval()
    trunk.eval()
    x = torch.rand(2, 1, 16, 32, 32)
    with torch.no_grad():
        maps = trunk(x)
        assert tuple(maps.shape) == (2, channels, 2, 2, 2) and channels == 32
        # the same layers: pooling the maps and applying the classifier gives its logits
        assert torch.allclose(full.fc(maps.mean(dim=(2, 3, 4))), full(x), atol=1e-5)


@pytest.mark.slow
def test_resnet3d_small_separates_thick_from_thin_blobs():
    torch.manual_seed(0)
    x = torch.rand(32, 1, 8, 16, 16) * 0.2
    y = torch.arange(32) % 2
    x[y == 1, :, 2:6, 6:10, 6:10] += 1.0   # thick
    x[y == 0, :, 4:5, 6:10, 6:10] += 1.0   # thin: same on the centre slice
    model = resnet3d_small(width=4)
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    model.eval()
    assert (model(x).argmax(1) == y).float().mean() > 0.9
