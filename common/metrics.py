"""Classification metrics, thin over scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

__all__ = ["bootstrap_ci", "classification_metrics", "roc_auc"]


def roc_auc(y_true, y_score) -> float:
    """ROC-AUC (scikit-learn), or NaN when ``y_true`` holds a single class (AUC is undefined).

    Args:
        y_true: (N,) integer labels.
        y_score: (N,) positive-class scores for two classes, or (N, C) class probabilities
            (one-vs-rest macro AUC; a (N, 2) array uses its second column).

    Example:
        >>> roc_auc([0, 1, 1], [0.2, 0.9, 0.4])
        1.0
    """
    y_true = np.asarray(y_true)
    score = np.asarray(y_score, dtype=float)
    if len(np.unique(y_true)) < 2:
        return float("nan")
    if score.ndim == 2 and score.shape[1] == 2:
        return float(skm.roc_auc_score(y_true, score[:, 1]))
    if score.ndim == 2:
        return float(skm.roc_auc_score(y_true, score, multi_class="ovr", average="macro"))
    return float(skm.roc_auc_score(y_true, score))


def classification_metrics(y_true, y_pred, y_score=None) -> dict[str, float]:
    """Accuracy, macro-F1 and, given scores, ROC-AUC.

    Args:
        y_true: (N,) integer labels.
        y_pred: (N,) predicted labels.
        y_score: (N,) positive-class probabilities for two classes, or (N, C) class
            probabilities (one-vs-rest macro AUC); ``None`` skips ROC-AUC.

    Returns:
        ``{"accuracy", "f1_macro"[, "roc_auc"]}`` as floats.

    Example:
        >>> classification_metrics([0, 1, 1], [0, 1, 0], [0.2, 0.9, 0.4])["accuracy"]
        0.6666666666666666
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "f1_macro": float(skm.f1_score(y_true, y_pred, average="macro")),
    }
    if y_score is not None:
        out["roc_auc"] = roc_auc(y_true, y_score)
    return out


def bootstrap_ci(metric, *arrays, groups=None, n_boot: int = 1000, alpha: float = 0.05,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``metric(*arrays)``, resampling whole groups (patients).

    Rows of one group (one patient's slices, discs or images) are drawn together, so correlated
    rows do not narrow the interval. Resamples on which the metric is undefined (NaN, e.g. a
    single class for ROC-AUC) are dropped.

    Args:
        metric: ``metric(*arrays) -> float``, e.g. :func:`roc_auc`.
        *arrays: equal-length sequences (labels, scores, ...), indexed together.
        groups: (N,) group id per row; ``None`` resamples rows.
        n_boot: number of bootstrap resamples.
        alpha: 1 − coverage (0.05 gives a 95 % interval).
        seed: seed of the resampling.

    Returns:
        ``(low, high)``; ``(nan, nan)`` when no resample gives a defined value.

    Example:
        >>> lo, hi = bootstrap_ci(roc_auc, [0, 0, 1, 1] * 10, [0.1, 0.6, 0.4, 0.9] * 10)
        >>> 0.5 < lo <= 0.75 <= hi <= 1.0
        True
    """
    arrays = [np.asarray(a) for a in arrays]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError("bootstrap_ci needs arrays of equal length.")
    groups = np.arange(n) if groups is None else np.asarray(groups)
    if len(groups) != n:
        raise ValueError("bootstrap_ci needs one group id per row.")
    uniq, inverse = np.unique(groups, return_inverse=True)
    rows_of = [np.flatnonzero(inverse == g) for g in range(len(uniq))]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        picked = rng.integers(0, len(uniq), len(uniq))
        idx = np.concatenate([rows_of[g] for g in picked])
        v = float(metric(*(a[idx] for a in arrays)))
        if np.isfinite(v):
            values.append(v)
    if not values:
        return float("nan"), float("nan")
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)
