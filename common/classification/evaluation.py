"""Scores from logits, ROC-AUC, and the hidden test labels of the ct_volumes phantom."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..answer_keys import read_answer_key
from ..errors import DataError
from ..metrics import roc_auc

__all__ = ["positive_scores", "roc_auc_from_logits", "test_labels", "test_auc"]


def positive_scores(logits: torch.Tensor) -> np.ndarray:
    """Probability of class 1 from (N, 2) logits, as a (N,) float array."""
    return torch.softmax(torch.as_tensor(logits).float(), dim=1)[:, 1].numpy()


def roc_auc_from_logits(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """ROC-AUC of (N, 2) logits against (N,) labels; NaN when only one class is present."""
    return roc_auc(torch.as_tensor(targets).numpy(), positive_scores(logits))


def test_labels(root: Path | None = None) -> pd.DataFrame:
    """The answer key of the test split (``patient_id, label``)."""
    return read_answer_key("ct_volumes", "labels", root=root)


def test_auc(patient_ids, scores, root: Path | None = None) -> float:
    """ROC-AUC of per-patient ``scores`` on the test split, from the answer key.

    Raises:
        DataError: an id is not a test patient.
    """
    key = test_labels(root).set_index("patient_id")["label"]
    ids = [str(p) for p in patient_ids]
    unknown = [p for p in ids if p not in key.index]
    if unknown:
        raise DataError(f"{len(unknown)} id(s) such as {unknown[0]} are not test patients; score "
                        f"only the test split.")
    return roc_auc(key.loc[ids].to_numpy(), np.asarray(scores, dtype=float))
