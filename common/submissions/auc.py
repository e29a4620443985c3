"""ROC-AUC of a probability submission against a key, matched by id (lab02, lab03, lab06)."""

from __future__ import annotations

import pandas as pd

__all__ = ["auc_by_id"]


def auc_by_id(submission: pd.DataFrame, key: pd.DataFrame, id_column: str,
              label_column: str) -> float:
    """ROC-AUC of ``submission["probability"]`` against ``key[label_column]``, rows matched on
    ``id_column`` (ids stripped; a key id the file lacks scores as NaN, which validation rules
    out before scoring)."""
    from ..metrics import roc_auc   # loads scikit-learn: only when scoring

    prob = pd.Series(submission["probability"].astype(float).to_numpy(),
                     index=submission[id_column].astype(str).str.strip())
    truth = key.set_index(id_column)[label_column].astype(int)
    return roc_auc(truth.to_numpy(), prob.reindex(truth.index).to_numpy())
