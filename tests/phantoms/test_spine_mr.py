"""The spine_mr phantom: SPIDER layout and labels, geometry truth that the masks confirm (discs,
vertebral bodies, disc height index), a noisy clinical narrowing grade that geometry predicts well
but not perfectly, test answers only in the answer keys, determinism."""

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
    assert spine_mr.NAME == "spine_mr" and spine_mr.VERSION == 2 and spine_mr.DESCRIPTION
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


def test_discs_brighter_than_vertebrae(built):
    """Even dehydrated discs keep a T2 signal at least as bright as bone, on average far brighter."""
    image, _ = read_volume(built / "images" / "003_t2.mha")
    mask, _ = read_label_mask(built / "masks" / "003_t2.mha")
    bone = image[np.isin(mask, spine_mr.VERTEBRA_LABELS)].mean()
    discs = [image[mask == label].mean() for label in spine_mr.DISC_LABELS]
    assert min(discs) > 0.95 * bone and np.mean(discs) > 1.2 * bone


def test_saved_geometry_matches_masks(built):
    """Height, width, angle, body heights and DHI from skimage regionprops on the mid slice."""
    truth = pd.read_csv(built / "ground_truth.csv", dtype={"patient_id": str})
    assert len(truth) == 4 * len(spine_mr.DISC_LABELS), "the training discs only"
    for pid, rows in truth.groupby("patient_id"):
        mask, meta = read_label_mask(built / "masks" / f"{pid}_t2.mha")
        mid = mask[spine_mr.SHAPE[0] // 2]
        bodies = {p.label: p.axis_minor_length * meta["spacing"][1] for p in regionprops(mid)
                  if p.label in spine_mr.VERTEBRA_LABELS}
        for row in rows.itertuples():
            props = regionprops((mid == row.disc_label).astype(np.uint8))[0]
            assert abs(props.axis_minor_length * meta["spacing"][1] - row.height_mm) < 0.6
            assert abs(props.axis_major_length * meta["spacing"][2] - row.width_mm) < 1.5
            # regionprops measures orientation from the row axis (TRAPS.md)
            deg = np.rad2deg(props.orientation)
            tilt = deg - 90 if deg > 0 else deg + 90
            assert abs(tilt - row.angle_deg) < 2.0
            assert abs(props.centroid[0] - row.centre_row) < 1.0
            above = row.disc_label - 200        # disc 202 (L4/L5) lies between L4 (2) and L5 (1)
            assert abs(bodies[above] - row.vertebra_above_mm) < 0.4
            if above > 1:
                assert abs(bodies[above - 1] - row.vertebra_below_mm) < 0.4
            else:
                assert np.isnan(row.vertebra_below_mm), "the sacrum below L5/S1 is unlabelled"
            adjacent = [bodies[above]] + ([bodies[above - 1]] if above > 1 else [])
            dhi = props.axis_minor_length * meta["spacing"][1] / np.mean(adjacent)
            assert abs(dhi - row.dhi) < 0.05
            assert row.dhi == pytest.approx(row.height_mm / np.nanmean(
                [row.vertebra_above_mm, row.vertebra_below_mm]), abs=1e-3)


def test_grade_disagrees_with_geometry_about_one_in_ten():
    """The clinical grade flips the geometric truth (severity > 0.5) on ~10 % of discs, and
    height loss is continuous: the geometric classes' heights overlap."""
    rng = np.random.default_rng(1)
    discs = [d for _ in range(600) for d in spine_mr.draw_disc_parameters(
        rng, int(rng.integers(22, 80)), 11.0)]
    frame = pd.DataFrame(discs)
    flips = (frame["narrowing"] != frame["geometric"]).mean()
    assert 0.08 < flips < 0.12
    assert 0.15 < frame["geometric"].mean() < 0.5
    assert set(frame["narrowing"]) == {0, 1}
    heights = frame.groupby("geometric")["height_mm"]
    assert heights.max()[1] > heights.min()[0], "narrowed and normal heights overlap"
    assert (frame["severity"] > 0).all() and (frame["severity"] < 1).all()
    # dehydration is tied to severity, but not fully
    rho = np.corrcoef(frame["severity"], frame["dehydration"])[0, 1]
    assert 0.5 < rho < 0.95


@pytest.mark.slow
def test_narrowing_from_geometry_is_good_not_perfect(tmp_path):
    """On the full dataset: >= 300 labelled discs; grouped-CV ROC-AUC of the geometry in
    [0.80, 0.93]; disc signal separates the grades less than perfectly; keys cover the test."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out = _build(tmp_path)
    truth = pd.read_csv(out / "ground_truth.csv", dtype={"patient_id": str})
    ann = read_annotations_xlsx(out / "annotations.xlsx")
    key = read_answer_key("spine_mr", "narrowing", root=tmp_path)
    geometry = read_answer_key("spine_mr", "geometry", root=tmp_path)
    assert len(ann) == spine_mr.N_PATIENTS * len(spine_mr.DISC_LABELS) >= 300
    assert len(key) == len(geometry) == spine_mr.N_TEST * len(spine_mr.DISC_LABELS)
    assert 0.15 < truth["narrowing"].mean() < 0.5
    features = truth[["height_mm", "width_mm", "angle_deg", "dhi"]].to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression())
    prob = cross_val_predict(model, features, truth["narrowing"], groups=truth["patient_id"],
                             cv=StratifiedGroupKFold(5, shuffle=True, random_state=0),
                             method="predict_proba")[:, 1]
    assert 0.80 <= roc_auc_score(truth["narrowing"], prob) <= 0.93
    signal = []
    for row in truth.itertuples():
        image, _ = read_volume(out / "images" / f"{row.patient_id}_t2.mha")
        mask, _ = read_label_mask(out / "masks" / f"{row.patient_id}_t2.mha")
        signal.append(image[mask == row.disc_label].mean())
    assert 0.6 < roc_auc_score(truth["narrowing"], -np.asarray(signal)) < 0.95


def test_hidden_test_answers_not_shipped(built, built_root):
    ann = read_annotations_xlsx(built / "annotations.xlsx")
    test = ann[ann["split"] == "test"]
    assert set(test["patient_id"]) == {"005", "006"}
    assert test["narrowing"].isna().all()
    assert ann.loc[ann.split == "train", "narrowing"].notna().all()
    key = read_answer_key("spine_mr", "narrowing", root=built_root)
    assert set(key["patient_id"].astype(str).str.zfill(3)) == {"005", "006"}
    assert set(key["narrowing"]) <= {0, 1}
    geometry = read_answer_key("spine_mr", "geometry", root=built_root)
    assert set(geometry["patient_id"].astype(str).str.zfill(3)) == {"005", "006"}
    assert {"height_mm", "dhi", "vertebra_above_mm"} <= set(geometry.columns)
    assert not (built / "answer_keys").exists()
    truth = pd.read_csv(built / "ground_truth.csv", dtype={"patient_id": str})
    assert set(truth["patient_id"]) == {"001", "002", "003", "004"}, "no test disc's geometry"
    assert not {"severity", "geometric", "dehydration"} & set(truth.columns)


def test_same_seed_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(spine_mr, "N_PATIENTS", 2)
    monkeypatch.setattr(spine_mr, "N_TEST", 1)
    a, b, c = (_build(tmp_path / n, seed=s) for n, s in (("a", 0), ("b", 0), ("c", 1)))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert sha256_of(a / rel) == sha256_of(b / rel), rel
    assert sha256_of(a / "images" / "001_t2.mha") != sha256_of(c / "images" / "001_t2.mha")
