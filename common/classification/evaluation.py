"""Scores from logits; ROC-AUC with a patient-level bootstrap interval, and how to compare two.

Every figure here is computed from labels the caller holds (a labelled split); the answer key of
a hidden test split is never read here (it only scores submissions, in :mod:`common.submissions`).
"""

from __future__ import annotations

import numpy as np
import torch

from ..metrics import bootstrap_ci, roc_auc

__all__ = ["positive_scores", "roc_auc_from_logits", "auc_with_interval", "intervals_separate",
           "ranking_statement"]


def positive_scores(logits: torch.Tensor) -> np.ndarray:
    """Probability of class 1 from (N, 2) logits, as a (N,) float array."""
    return torch.softmax(torch.as_tensor(logits).float(), dim=1)[:, 1].numpy()


def roc_auc_from_logits(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """ROC-AUC of (N, 2) logits against (N,) labels; NaN when only one class is present."""
    return roc_auc(torch.as_tensor(targets).numpy(), positive_scores(logits))


def auc_with_interval(labels, scores, patient_ids, n_boot: int = 1000, seed: int = 0) -> dict:
    """ROC-AUC and its patient-level bootstrap 95 % interval.

    Args:
        labels: (N,) 0/1 labels. scores: (N,) positive-class scores.
        patient_ids: (N,) patient of each row; a patient's rows are resampled together
            (:func:`common.metrics.bootstrap_ci`).
        n_boot: bootstrap resamples. seed: seed of the resampling.

    Returns:
        ``{"auc": value, "ci_low": low, "ci_high": high}``.
    """
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=float)
    low, high = bootstrap_ci(roc_auc, labels, scores, groups=np.asarray(patient_ids),
                             n_boot=n_boot, seed=seed)
    return {"auc": roc_auc(labels, scores), "ci_low": low, "ci_high": high}


def intervals_separate(a: dict, b: dict) -> bool:
    """Whether two intervals (``ci_low``/``ci_high`` dicts, as :func:`auc_with_interval` gives)
    do not overlap."""
    return a["ci_low"] > b["ci_high"] or b["ci_low"] > a["ci_high"]


def ranking_statement(results: dict[str, dict]) -> list[str]:
    """One sentence per pair of methods: which is higher where the intervals separate, else that
    the data cannot rank them.

    Args:
        results: ``{method: {"auc", "ci_low", "ci_high"}}``.

    Returns:
        Sentences such as ``"fusion > image (0.91 [0.87, 0.95] vs 0.78 [0.71, 0.84])"`` or
        ``"early ~ single: intervals overlap (...)"``, best method first in each pair.
    """
    names = sorted(results, key=lambda k: -results[k]["auc"])
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ra, rb = results[a], results[b]
            figures = (f"{ra['auc']:.3f} [{ra['ci_low']:.3f}, {ra['ci_high']:.3f}] vs "
                       f"{rb['auc']:.3f} [{rb['ci_low']:.3f}, {rb['ci_high']:.3f}]")
            if intervals_separate(ra, rb):
                out.append(f"{a} > {b} ({figures})")
            else:
                out.append(f"{a} ~ {b}: intervals overlap, not ranked ({figures})")
    return out
