"""Late fusion: a weighted sum of several models' scores, weights fitted on validation."""

from __future__ import annotations

import itertools

import numpy as np

from ..errors import ShapeError
from ..metrics import roc_auc

__all__ = ["late_fusion_scores", "fit_late_fusion_weights"]


def late_fusion_scores(scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum of per-model scores.

    Args:
        scores: (N, M) scores of M models for N cases.
        weights: (M,) non-negative weights summing to 1.

    Returns:
        (N,) fused scores.
    """
    scores, weights = np.asarray(scores, float), np.asarray(weights, float)
    if scores.ndim != 2 or scores.shape[1] != len(weights):
        raise ShapeError(f"scores must be (N, {len(weights)}) for {len(weights)} weights, got "
                         f"{scores.shape}.")
    return scores @ weights


def fit_late_fusion_weights(scores: np.ndarray, labels: np.ndarray, step: float = 0.05) -> np.ndarray:
    """Weights on the simplex (grid of ``step``) that maximise validation ROC-AUC.

    Args:
        scores: (N, M) validation scores of M models. labels: (N,) 0/1 labels.
        step: grid spacing of each weight.

    Returns:
        (M,) weights, non-negative, summing to 1; ties go to the most even weighting.
    """
    scores = np.asarray(scores, float)
    m = scores.shape[1]
    ticks = np.round(np.arange(0.0, 1.0 + 1e-9, step), 6)
    best, best_w = -1.0, np.full(m, 1.0 / m)
    for combo in itertools.product(ticks, repeat=m - 1):
        last = 1.0 - sum(combo)
        if last < -1e-9:
            continue
        w = np.array([*combo, max(last, 0.0)])
        auc = roc_auc(labels, scores @ w)
        if auc > best + 1e-12 or (abs(auc - best) <= 1e-12 and w.std() < best_w.std()):
            best, best_w = auc, w
    return best_w
