"""Segmentation metrics against scikit-learn on small masks, and boundary F1 on drawn shapes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from common.errors import ShapeError
from common.segmentation.boundary import boundary_f1
from common.segmentation.metrics import (METRIC_NAMES, hd95_scores, segmentation_scores,
                                        summarize_scores)


def _square(size=40, lo=10, hi=30):
    m = np.zeros((size, size), bool)
    m[lo:hi, lo:hi] = True
    return m


def test_scores_match_sklearn(rng):
    target = rng.random((4, 20, 20)) > 0.6
    pred = target ^ (rng.random((4, 20, 20)) > 0.85)
    table = segmentation_scores(pred, target, ids=list("abcd"))
    assert list(table.columns) == list(METRIC_NAMES) and list(table.index) == list("abcd")
    for i in range(4):
        t, p = target[i].ravel(), pred[i].ravel()
        row = table.iloc[i]
        assert row["dice"] == pytest.approx(skm.f1_score(t, p))
        assert row["iou"] == pytest.approx(skm.jaccard_score(t, p))
        assert row["pixel_accuracy"] == pytest.approx(skm.accuracy_score(t, p))
        assert row["mean_pixel_accuracy"] == pytest.approx(skm.balanced_accuracy_score(t, p))
        assert row["mean_iou"] == pytest.approx(skm.jaccard_score(t, p, average="macro"))
        assert row["precision"] == pytest.approx(skm.precision_score(t, p))
        assert row["recall"] == pytest.approx(skm.recall_score(t, p))


def test_empty_masks_score_one():
    z = np.zeros((1, 8, 8), bool)
    row = segmentation_scores(z, z).iloc[0]
    assert (row.drop("hd95") == 1.0).all() and row["hd95"] == 0.0


def test_hd95_on_drawn_shapes():
    """HD95 in pixels: a square moved by 3 columns, and the empty-mask conventions."""
    a = _square()[None]
    assert hd95_scores(a, a).tolist() == [0.0]
    assert hd95_scores(a, np.roll(a, 3, axis=2)).tolist() == pytest.approx([3.0])
    one = np.zeros((1, 30, 40), bool)
    one[0, 5, 5] = True
    empty = np.zeros_like(one)
    assert hd95_scores(one, empty).tolist() == hd95_scores(empty, one).tolist() == [50.0]
    assert hd95_scores(empty, empty).tolist() == [0.0]
    # a far stray pixel moves the maximum but not the 95th percentile
    stray = _square(60, 10, 40)[None]
    noisy = stray.copy()
    noisy[0, 55, 55] = True
    assert hd95_scores(noisy, stray)[0] < 2.0


def test_shape_mismatch_is_clear():
    with pytest.raises(ShapeError, match="N, H, W"):
        segmentation_scores(np.zeros((2, 4, 4)), np.zeros((2, 4, 5)))


def test_boundary_f1_tolerance():
    a = _square()
    shifted = np.roll(a, 3, axis=1)
    assert boundary_f1(a, a) == 1.0
    assert boundary_f1(a, shifted, tolerance=3) == 1.0
    assert boundary_f1(a, shifted, tolerance=1) < 0.7
    assert boundary_f1(a, np.zeros_like(a)) == 0.0
    assert boundary_f1(np.zeros_like(a), np.zeros_like(a)) == 1.0


def test_boundary_f1_punishes_lost_thin_branch_more_than_dice():
    """Losing a 2-pixel branch costs little Dice but a lot of boundary F1."""
    target = _square(64, 16, 40)
    target[27:29, 40:62] = True
    pred = _square(64, 16, 40)
    table = segmentation_scores(pred[None], target[None])
    assert table["dice"].iloc[0] > 0.95
    assert table["boundary_f1"].iloc[0] < 0.85


def test_summarize(rng):
    t = rng.random((2, 8, 8)) > 0.5
    table = segmentation_scores(t, t)
    summary = summarize_scores({"a": table, "b": table})
    assert list(summary.index) == ["a", "b"] and summary.loc["a", "dice"] == 1.0
