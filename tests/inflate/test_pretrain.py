"""The 2D pretraining on knee slices: which slices, their labels and size, and a short training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from common.errors import DataError
from common.inflate import to_model_input
from common.inflate.pretrain import pretrain_on_slices, region_slice_dataset


def _regions(depth=6, side=10):
    tibia = np.full((depth, side, side), -1000.0, np.float32)
    femur = tibia.copy()
    background = np.full((depth, side, side), 40.0, np.float32)
    tibia[:3, 3:7, 3:7] = 900.0          # the tibia only in the lower half
    femur[3:, 2:8, 2:8] = 700.0          # the femur only in the upper half
    return {"tibia": tibia, "femur": femur, "background": background}


def test_slices_labels_and_size():
    ds = region_slice_dataset([_regions(), _regions()], size=16)
    x, y = ds.tensors
    assert x.shape == (2 * (3 + 3 + 6), 1, 16, 16) and x.dtype == torch.float32
    assert y.tolist() == ([0] * 3 + [1] * 3 + [2] * 6) * 2
    air = to_model_input(np.full((1, 1, 1), -1000.0))[0, 0, 0, 0, 0]
    assert torch.all(x[0, 0, :3] == air), "padded with air around the 10 x 10 slice"
    assert x[0, 0, 8, 8] > x[0, 0, 0, 0], "bone brighter than air"
    cropped = region_slice_dataset([_regions(side=40)], size=32, every=2, min_fraction=0.005).tensors[0]
    assert cropped.shape[-2:] == (32, 32) and len(cropped) == 2 + 1 + 3
    with pytest.raises(DataError):
        region_slice_dataset([{"tibia": np.full((2, 4, 4), -1000.0)}])


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.classifier = nn.Linear(8, 1000)

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def test_pretraining_learns_the_regions():
    torch.manual_seed(0)
    model = _Tiny()
    ds = region_slice_dataset([_regions(), _regions()], size=16)
    history = pretrain_on_slices(model, ds, epochs=30, batch_size=8, lr=1e-2, device="cpu")
    assert model.classifier.out_features == 3 and not model.training
    losses = history.frame["train_loss"]
    assert len(losses) == 30 and losses.iloc[-1] < 0.5 * losses.iloc[0]
    with torch.no_grad():
        pred = model(ds.tensors[0].expand(-1, 3, -1, -1)).argmax(1)
    assert (pred == ds.tensors[1]).float().mean() > 0.9
