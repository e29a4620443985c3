"""lab07's given helpers: finding knees, resampling, loader errors, model input, 3D pooling, the
3D wrapper, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
import torch
from torch import nn

from common.errors import DataError, ShapeError
from common.inflate import (DenseNet3D, find_knee_cases, global_avg_pool3d, load_knee_cases,
                            load_knee_ct, to_model_input)
from common.inflate import knee_data
from common.inflate.figures import plot_regions, plot_similarity_heatmap


def _write(array, path, spacing=(1.0, 1.0, 1.0), direction=None):
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    if direction is not None:
        image.SetDirection(direction)
    sitk.WriteImage(image, str(path))
    return path


def _knee(shape=(20, 12, 10)):
    """A toy knee (D, H, W): tibia (1) in the lower half, femur (2) in the upper half."""
    mask = np.zeros(shape, np.uint8)
    mask[2:8, 4:8, 3:7] = 1
    mask[12:18, 4:8, 3:7] = 2
    ct = np.where(mask > 0, 800, 40).astype(np.int16)
    return ct, mask


def test_missing_folder_no_knee_and_ambiguous_folders(tmp_path):
    with pytest.raises(DataError, match="dlmia data build knee_ct"):
        find_knee_cases(tmp_path / "nowhere")
    (tmp_path / "k").mkdir()
    with pytest.raises(DataError, match="holds no knee"):
        find_knee_cases(tmp_path / "k")
    ct, mask = _knee()
    _write(mask, tmp_path / "k" / "bone_segmented.nii.gz")
    with pytest.raises(DataError, match="exactly one CT"):
        find_knee_cases(tmp_path / "k")
    _write(ct, tmp_path / "k" / "a.nii.gz")
    _write(ct, tmp_path / "k" / "b.mha")
    with pytest.raises(DataError, match="exactly one CT"):
        find_knee_cases(tmp_path / "k")


def test_one_knee_or_one_folder_per_knee(tmp_path):
    ct, mask = _knee()
    single = tmp_path / "single"
    single.mkdir()
    _write(ct, single / "3702_left_knee.nii.gz")
    _write(mask, single / "bone_segmented.nii.gz")
    assert [c[0] for c in find_knee_cases(single)] == ["3702_left_knee"]
    many = tmp_path / "many"
    for name in ("b_knee", "a_knee"):
        (many / name).mkdir(parents=True)
        _write(ct, many / name / f"{name}.mha")
        _write(mask, many / name / "bone_segmented.mha")
    (many / "notes").mkdir()
    found = find_knee_cases(many)
    assert [c[0] for c in found] == ["a_knee", "b_knee"]
    assert found[0][1].name == "a_knee.mha" and found[0][2].name == "bone_segmented.mha"


def test_resampled_to_isotropic_and_cropped(tmp_path, monkeypatch):
    monkeypatch.setattr(knee_data, "MIN_SIDE", 4)
    ct, mask = _knee((20, 12, 10))
    # stored with anisotropic voxels: 0.5 mm along D (Z), 1 mm along H (Y), 2 mm along W (X)
    _write(ct, tmp_path / "ct.mha", spacing=(2.0, 1.0, 0.5))
    _write(mask, tmp_path / "bone_segmented.nii.gz", spacing=(2.0, 1.0, 0.5))
    knee = load_knee_ct(tmp_path / "ct.mha", tmp_path / "bone_segmented.nii.gz", spacing_mm=1.0,
                        margin_mm=100.0)
    assert knee.case_id == "ct" and knee.spacing == (1.0, 1.0, 1.0)
    assert knee.source_spacing == pytest.approx((2.0, 1.0, 0.5))
    assert knee.source_shape == (20, 12, 10)
    assert knee.ct.shape == (10, 12, 20), "the physical extent (10, 12, 20) mm at 1 mm"
    assert knee.ct.dtype == np.float32 and knee.mask.dtype == np.uint8
    assert set(np.unique(knee.mask)) == {0, 1, 2}, "nearest neighbour keeps the labels"
    assert abs(int((knee.mask == 1).sum()) - 6 * 4 * 8 // 2) <= 16, "3 mm x 4 mm x 8 mm of tibia"
    assert knee.ct[knee.mask == 2].mean() > 650 and knee.ct[knee.mask == 0].max() < 700
    tight = load_knee_ct(tmp_path / "ct.mha", tmp_path / "bone_segmented.nii.gz", 1.0,
                         margin_mm=1.0)
    assert tight.ct.shape == (10, 6, 10), "cropped to the bones and 1 mm"
    monkeypatch.setattr(knee_data, "MIN_SIDE", 32)
    padded = load_knee_ct(tmp_path / "ct.mha", tmp_path / "bone_segmented.nii.gz", 1.0,
                          margin_mm=1.0)
    assert padded.ct.shape == (32, 32, 32), "widened to what the network needs"
    assert padded.ct.min() == -1000.0 and (padded.mask > 0).sum() == (tight.mask > 0).sum()


def test_orientation_puts_the_femur_above_the_tibia(tmp_path):
    ct, mask = _knee()
    flip = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0)   # stored head to foot
    _write(ct[::-1].copy(), tmp_path / "ct.nii.gz", direction=flip)
    _write(mask[::-1].copy(), tmp_path / "bone_segmented.nii.gz", direction=flip)
    knee = load_knee_cases(tmp_path, spacing_mm=1.0)[0]
    assert np.nonzero(knee.mask == 2)[0].mean() > np.nonzero(knee.mask == 1)[0].mean()


def test_bad_pairs_and_sizes(tmp_path, monkeypatch):
    ct, mask = _knee()
    _write(ct, tmp_path / "ct.nii.gz")
    _write(mask[:, :, :8].copy(), tmp_path / "other_grid.nii.gz")
    with pytest.raises(DataError, match="segmented on this CT"):
        load_knee_ct(tmp_path / "ct.nii.gz", tmp_path / "other_grid.nii.gz")
    _write(np.zeros_like(mask), tmp_path / "empty.nii.gz")
    with pytest.raises(DataError, match="labels no bone"):
        load_knee_ct(tmp_path / "ct.nii.gz", tmp_path / "empty.nii.gz")
    _write(np.where(mask > 0, 3, 0).astype(np.uint8), tmp_path / "labels.nii.gz")
    with pytest.raises(DataError, match="labels"):
        load_knee_ct(tmp_path / "ct.nii.gz", tmp_path / "labels.nii.gz")
    _write(mask, tmp_path / "bone_segmented.nii.gz")
    monkeypatch.setattr(knee_data, "MAX_VOXELS", 100)
    with pytest.raises(DataError, match="larger spacing"):
        load_knee_ct(tmp_path / "ct.nii.gz", tmp_path / "bone_segmented.nii.gz")


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
