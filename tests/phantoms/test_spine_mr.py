"""The spine_mr phantom: SPIDER layout and labels, geometry truth that the masks confirm,
narrowing recoverable from disc height, hidden test answers, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from skimage.measure import regionprops

from common.io import read_annotations_xlsx, read_label_mask, read_volume
from common.phantoms import spine_mr
from common.answer_keys import read_answer_key
from common.phantoms.build import sha256_of


def _build(root, seed=0):
    out = root / "spine_mr"
    out.mkdir(parents=True)
    spine_mr.build(out, seed=seed)
    return out


@pytest.fixture(scope="module")
def built_root(tmp_path_factory):
    """One 6-patient build (2 test patients) shared by the read-only tests of this module."""
    root = tmp_path_factory.mktemp("spine")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(spine_mr, "N_PATIENTS", 6)
        mp.setattr(spine_mr, "N_TEST", 2)
        _build(root)
    return root


@pytest.fixture
def built(built_root):
    return built_root / "spine_mr"


def test_module_contract():
    assert spine_mr.NAME == "spine_mr" and spine_mr.VERSION == 1 and spine_mr.DESCRIPTION
    assert spine_mr.DISC_LABELS[0] == 201 and spine_mr.LEVELS[201] == "L5/S1"
    assert spine_mr.VERTEBRA_LABELS[0] == 1


def test_layout_and_labels(built):
    images = sorted(p.name for p in (built / "images").iterdir())
    masks = sorted(p.name for p in (built / "masks").iterdir())
    assert images == masks == [f"{k:03d}_t2.mha" for k in range(1, 7)]
    image, meta = read_volume(built / "images" / "001_t2.mha")
    assert image.shape == spine_mr.SHAPE and image.dtype == np.uint16
    assert meta["spacing"] == pytest.approx(spine_mr.SPACING)
    mask, _ = read_label_mask(built / "masks" / "001_t2.mha", labels=set(spine_mr.LABELS))
    assert set(np.unique(mask)) == set(spine_mr.LABELS)


def test_spider_order_l5_lowest(built):
    """L5 (1) lies below L4 (2) and the L5/S1 disc (201) below L5: rows grow downwards."""
    mask, _ = read_label_mask(built / "masks" / "002_t2.mha")
    mid = mask[spine_mr.SHAPE[0] // 2]
    rows = {lab: np.argwhere(mid == lab)[:, 0].mean() for lab in (1, 2, 201, 202)}
    assert rows[201] > rows[1] > rows[202] > rows[2]


def test_discs_brighter_than_vertebrae_unless_narrowed(built):
    image, _ = read_volume(built / "images" / "003_t2.mha")
    mask, _ = read_label_mask(built / "masks" / "003_t2.mha")
    truth = pd.read_csv(built / "ground_truth.csv", dtype={"patient_id": str})
    bone = image[np.isin(mask, spine_mr.VERTEBRA_LABELS)].mean()
    for row in truth[truth["patient_id"] == "003"].itertuples():
        disc = image[mask == row.disc_label].mean()
        if row.narrowing == 0:
            assert disc > 1.3 * bone


def test_saved_geometry_matches_masks(built):
    """Height, width and angle from skimage regionprops on the mid slice, within a voxel / 2°."""
    truth = pd.read_csv(built / "ground_truth.csv", dtype={"patient_id": str})
    assert len(truth) == 6 * len(spine_mr.DISC_LABELS)
    for pid, rows in truth.groupby("patient_id"):
        mask, meta = read_label_mask(built / "masks" / f"{pid}_t2.mha")
        mid = mask[spine_mr.SHAPE[0] // 2]
        for row in rows.itertuples():
            props = regionprops((mid == row.disc_label).astype(np.uint8))[0]
            assert abs(props.axis_minor_length * meta["spacing"][1] - row.height_mm) < 1.0
            assert abs(props.axis_major_length * meta["spacing"][2] - row.width_mm) < 1.5
            # regionprops measures orientation from the row axis (TRAPS.md)
            deg = np.rad2deg(props.orientation)
            tilt = deg - 90 if deg > 0 else deg + 90
            assert abs(tilt - row.angle_deg) < 2.0
            assert abs(props.centroid[0] - row.centre_row) < 1.0


def test_narrowed_discs_thinner(built):
    truth = pd.read_csv(built / "ground_truth.csv").dropna(subset=["narrowing"])
    narrowed, normal = truth[truth.narrowing == 1], truth[truth.narrowing == 0]
    assert len(narrowed) and len(normal)
    assert narrowed["height_mm"].max() < normal["height_mm"].min()


@pytest.mark.slow
def test_narrowing_recoverable_from_height(tmp_path):
    """On the full dataset, narrowed discs are thinner than every normal one."""
    out = _build(tmp_path)
    truth = pd.read_csv(out / "ground_truth.csv")
    ann = read_annotations_xlsx(out / "annotations.xlsx")
    key = read_answer_key("spine_mr", "narrowing", root=tmp_path)
    known = truth.dropna(subset=["narrowing"])
    assert 0.1 < known["narrowing"].mean() < 0.6
    assert known.loc[known.narrowing == 1, "height_mm"].max() < \
        known.loc[known.narrowing == 0, "height_mm"].min()
    assert len(ann) == spine_mr.N_PATIENTS * len(spine_mr.DISC_LABELS)
    assert len(key) == spine_mr.N_TEST * len(spine_mr.DISC_LABELS)


def test_hidden_test_answers_not_shipped(built, built_root):
    ann = read_annotations_xlsx(built / "annotations.xlsx")
    test = ann[ann["split"] == "test"]
    assert set(test["patient_id"]) == {"005", "006"}
    assert test["narrowing"].isna().all()
    assert ann.loc[ann.split == "train", "narrowing"].notna().all()
    key = read_answer_key("spine_mr", "narrowing", root=built_root)
    assert set(key["patient_id"].astype(str).str.zfill(3)) == {"005", "006"}
    assert set(key["narrowing"]) <= {0, 1}
    assert not (built / "answer_keys").exists()
    truth = pd.read_csv(built / "ground_truth.csv", dtype={"patient_id": str})
    assert truth.loc[truth.patient_id.isin(["005", "006"]), "narrowing"].isna().all()


def test_same_seed_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(spine_mr, "N_PATIENTS", 2)
    monkeypatch.setattr(spine_mr, "N_TEST", 1)
    a, b, c = (_build(tmp_path / n, seed=s) for n, s in (("a", 0), ("b", 0), ("c", 1)))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert sha256_of(a / rel) == sha256_of(b / rel), rel
    assert sha256_of(a / "images" / "001_t2.mha") != sha256_of(c / "images" / "001_t2.mha")
