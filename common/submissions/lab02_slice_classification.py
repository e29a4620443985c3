"""lab02's submission: ``predictions.csv`` with one ``patient_id,probability`` row per test patient.

Scored by ROC-AUC against the hidden test labels of the ``ct_volumes`` phantom.
"""

from __future__ import annotations

import pandas as pd

from ..answer_keys import read_answer_key
from ..metrics import roc_auc
from .spec import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA", "load_key", "score_auc"]

SCHEMA = Schema(
    id_column="patient_id",
    columns=[Column("patient_id", "str"), Column("probability", "float", minimum=0.0, maximum=1.0)],
    description="patient_id: a test patient (e.g. P0001); probability: P(label = 1) in [0, 1].",
)


def load_key() -> pd.DataFrame:
    """The test labels (``patient_id, label``) of the ct_volumes phantom."""
    return read_answer_key("ct_volumes", "labels").astype({"patient_id": str})


def score_auc(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """ROC-AUC of a validated submission (strings) against the key."""
    prob = submission.assign(probability=submission["probability"].astype(float)) \
        .set_index(submission["patient_id"].str.strip())["probability"]
    truth = key.set_index("patient_id")["label"].astype(int)
    return roc_auc(truth.to_numpy(), prob.reindex(truth.index).to_numpy())


SUBMISSIONS = [
    SubmissionSpec(lab="lab02_slice_classification", filename="predictions.csv", schema=SCHEMA,
                   metric="roc_auc", load_key=load_key, score=score_auc),
]
