"""lab07's given helpers: loader errors, model input, 3D pooling, the 3D wrapper, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from common.errors import DataError, ShapeError
from common.inflate import DenseNet3D, global_avg_pool3d, load_knee_ct, to_model_input
from common.inflate.figures import plot_regions, plot_similarity_heatmap


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(DataError, match="dlmia data build knee_ct"):
        load_knee_ct(tmp_path / "nowhere")
    (tmp_path / "k").mkdir()
    with pytest.raises(DataError, match="was not found"):
        load_knee_ct(tmp_path / "k")


def test_to_model_input_window_and_norm():
    vol = np.array([[[-2000.0, -1000.0], [250.0, 5000.0]]], np.float32)  # (1, 2, 2)
    x = to_model_input(vol, window=(-1000, 1500), norm=(0.0, 1.0))
    assert x.shape == (1, 1, 1, 2, 2) and x.dtype == torch.float32
    assert torch.allclose(x.flatten(), torch.tensor([0.0, 0.0, 0.5, 1.0]))
    with pytest.raises(DataError):
        to_model_input(np.zeros((2, 2)))


def test_global_avg_pool3d():
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 2, 2, 2)
    assert torch.allclose(global_avg_pool3d(x), x.flatten(2).mean(2))
    with pytest.raises(ShapeError):
        global_avg_pool3d(torch.zeros(2, 3, 4, 4))


def test_densenet3d_forward_pools_in_3d():
    torch.manual_seed(0)
    model = DenseNet3D(nn.Sequential(nn.Conv3d(1, 4, 3, padding=1)), nn.Linear(4, 2)).eval()
    x = torch.randn(2, 1, 3, 5, 6)
    with torch.no_grad():
        ref = model.classifier(torch.relu(model.features(x)).mean(dim=(2, 3, 4)))
        assert torch.allclose(model(x), ref, atol=1e-6)


def test_figures_draw():
    vol = np.full((8, 6, 6), -1000.0, np.float32)
    fig = plot_regions({"a": vol, "b": vol + 500})
    assert len(fig.axes) == 4
    table = pd.DataFrame({"layer": ["l1", "l1", "l2", "l2"], "region_a": ["t", "t", "t", "t"],
                          "region_b": ["f", "b", "f", "b"],
                          "cosine_similarity": [0.9, 0.5, 0.8, 0.4]})
    fig = plot_similarity_heatmap(table)
    assert fig.axes[0].get_images()[0].get_array().shape == (2, 2)
