"""lab02's submission: ``predictions.csv`` with one ``patient_id,probability`` row per test patient.

Scored by ROC-AUC against the hidden test labels of the ``ct_volumes`` phantom.

Size: real per-patient collections hold at most a few thousand patients (LIDC-IDRI: 1,010);
10,000 rows of 128 bytes (a ``patient_id`` and a full-precision probability take under 50) is
generous (the limit is then the 4 MiB floor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..answer_keys import read_answer_key
from .schema import Column, Schema
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "load_key", "score_auc", "example"]

SCHEMA = Schema(
    id_column="patient_id",
    columns=[Column("patient_id", "str"), Column("probability", "float", minimum=0.0, maximum=1.0)],
    description="patient_id: a test patient (e.g. P0001); probability: P(label = 1) in [0, 1].",
)
#: size limits shared with lab03's five files.
SIZE = {"real_rows": 10_000, "row_bytes": 128, "max_cell": 256}


def load_key() -> pd.DataFrame:
    """The test labels (``patient_id, label``) of the ct_volumes phantom."""
    return read_answer_key("ct_volumes", "labels").astype({"patient_id": str})


def score_auc(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """ROC-AUC of a submission (one row per test patient) against the key."""
    from ..metrics import roc_auc   # loads scikit-learn: only when scoring

    prob = pd.Series(submission["probability"].astype(float).to_numpy(),
                     index=submission["patient_id"].astype(str).str.strip())
    truth = key.set_index("patient_id")["label"].astype(int)
    return roc_auc(truth.to_numpy(), prob.reindex(truth.index).to_numpy())


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's labels as probabilities (ROC-AUC 1); the largest file writes them with 17
    significant digits."""
    prob = key["label"].astype(float).to_numpy()
    if largest:
        prob = np.clip(prob * 0.5 + 0.123456789012345 + np.arange(len(prob)) * 1e-9, 0, 1)
    return pd.DataFrame({"patient_id": key["patient_id"].astype(str), "probability": prob})


SUBMISSIONS = [
    SubmissionSpec(lab="lab02_slice_classification", filename="predictions.csv", schema=SCHEMA,
                   metric="roc_auc", load_key=load_key, score=score_auc, example=example, **SIZE),
]
