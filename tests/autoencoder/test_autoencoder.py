"""lab06's given tools: the spine loader, U-Net slices, naming predicted discs, the 3D autoencoder
with anisotropic strides, staged training with snapshots, and the figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402

from common.autoencoder import (CAE3D, disc_slices, fit_with_snapshots,  # noqa: E402
                                label_predicted_discs, load_spine_mr, plot_depth_reconstructions,
                                plot_epoch_snapshots, plot_latent_walk, plot_loss_curve,
                                plot_reconstructions, plot_spearman_heatmap)
from common.errors import DataError  # noqa: E402
from common.loaders import make_loader  # noqa: E402
from common.phantoms import spine_mr  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A 3-patient spine_mr build (1 test patient)."""
    root = tmp_path_factory.mktemp("spine")
    out = root / "spine_mr"
    out.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(spine_mr, "N_PATIENTS", 3)
        mp.setattr(spine_mr, "N_TEST", 1)
        spine_mr.build(out)
    return out


def test_load_spine_mr(folder):
    data = load_spine_mr(folder)
    assert sorted(data.cases) == ["001", "002", "003"]
    case = data.cases["002"]
    assert case.image.shape == case.mask.shape == spine_mr.SHAPE
    assert case.spacing == pytest.approx(spine_mr.SPACING)
    assert len(data.discs) == 15 and data.discs["narrowing"].isna().sum() == 5
    assert set(data.truth["patient_id"]) == {"001", "002"}


def test_load_spine_mr_leaves_out_discs_missing_from_their_mask(folder, tmp_path, capsys):
    copy = tmp_path / "spine_mr"
    copy.mkdir()
    for sub in ("images", "masks"):
        (copy / sub).mkdir()
        for f in (folder / sub).iterdir():
            (copy / sub / f.name).write_bytes(f.read_bytes())
    table = pd.read_excel(folder / "annotations.xlsx", dtype={"patient_id": str})
    extra = table.iloc[[0]].assign(disc_label=209)
    spine_mr.write_xlsx(pd.concat([table, extra], ignore_index=True), copy / "annotations.xlsx")
    data = load_spine_mr(copy)
    assert len(data.discs) == 15 and data.truth is None
    assert "1 disc(s)" in capsys.readouterr().out


def test_missing_folder_is_one_sentence(tmp_path):
    with pytest.raises(DataError, match="holds no annotations.xlsx"):
        load_spine_mr(tmp_path)


def test_disc_slices(folder):
    data = load_spine_mr(folder)
    images, masks = disc_slices(data, ["001", "002"], per_case=4)
    assert images.shape == masks.shape == (8, 128, 128)
    assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1
    assert set(np.unique(masks)) == {0, 1}
    mid = data.cases["001"].mask[6]
    assert np.array_equal(masks[2], (mid >= 201).astype(np.uint8)), "slices D//2-2 .. D//2+1"


def test_label_predicted_discs():
    given = np.zeros((20, 20), np.int32)
    given[2:5, 2:18] = 202
    given[10:13, 2:18] = 201
    given[6:9, 2:18] = 2
    pred = np.zeros((20, 20), bool)
    pred[2:6, 3:17] = True          # overlaps 202 (and one row of the vertebra)
    pred[11:13, 5:10] = True        # part of 201
    pred[16:19, 1:4] = True         # no disc there
    named = label_predicted_discs(pred, given)
    assert set(np.unique(named)) == {0, 201, 202}
    assert (named[2:6, 3:17] == 202).all() and (named[16:19, 1:4] == 0).all()
    with pytest.raises(DataError, match="differ in shape"):
        label_predicted_discs(pred, given[:10])


def test_cae3d_shapes_and_anisotropic_strides():
    model = CAE3D(latent_dim=12, channels=(2, 3, 4), block=(8, 16, 16)).eval()
    x = torch.randn(2, 1, 8, 16, 16)
    with torch.no_grad():
        assert tuple(model.encode(x).shape) == (2, 12)
        assert tuple(model(x).shape) == (2, 1, 8, 16, 16)
    convs = [m for m in model.encoder if isinstance(m, nn.Conv3d)]
    assert [c.stride for c in convs] == [(1, 2, 2), (2, 2, 2), (2, 2, 2)]
    assert model.code_shape == (4, 2, 2, 2)
    with pytest.raises(ValueError, match="divisible"):
        CAE3D(block=(10, 16, 16))


def test_fit_with_snapshots_learns_and_keeps_one_snapshot_per_stage():
    torch.manual_seed(0)
    x = torch.randn(16, 1, 8, 16, 16) * 0.1 + torch.linspace(-1, 1, 16).view(1, 1, 1, 1, 16)
    loader = make_loader(TensorDataset(x, x), batch_size=8, shuffle=True)
    model = CAE3D(latent_dim=8, channels=(2, 4, 4), block=(8, 16, 16))
    history, snaps = fit_with_snapshots(model, loader, optimizer=torch.optim.Adam(
        model.parameters(), lr=1e-2), stages=3, epochs_per_stage=2, probe=x[:2], device="cpu")
    assert list(history["epoch"]) == [1, 2, 3, 4, 5, 6]
    assert sorted(snaps) == [2, 4, 6] and tuple(snaps[6].shape) == (2, 1, 8, 16, 16)
    assert history["train_loss"].iloc[-1] < history["train_loss"].iloc[0]


def test_figures_draw():
    rng = np.random.default_rng(0)
    figs = [plot_reconstructions(rng.normal(size=(3, 8, 8)), rng.normal(size=(3, 8, 8)), ["a", "b", "c"]),
            plot_depth_reconstructions(rng.normal(size=(2, 6, 8, 8)), rng.normal(size=(2, 6, 8, 8)), [0, 3, 5]),
            plot_epoch_snapshots(rng.normal(size=(8, 8)), {1: rng.normal(size=(8, 8)), 2: rng.normal(size=(8, 8))}),
            plot_loss_curve(pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5]}), "loss"),
            plot_spearman_heatmap(rng.uniform(-1, 1, (10, 3)), ["h", "w", "a"]),
            plot_latent_walk(rng.normal(size=(5, 8, 8)), np.linspace(-2, 2, 5), 3, 0.6)]
    for fig in figs:
        assert fig.axes
        matplotlib.pyplot.close(fig)
    assert len(figs[0].axes) == 6 and len(figs[1].axes) == 12
