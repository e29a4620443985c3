"""Classification metrics, thin over scikit-learn."""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

__all__ = ["classification_metrics", "roc_auc"]


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
