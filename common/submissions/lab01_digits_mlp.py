"""lab01's submission: ``Hw1_submission_Z.csv`` with one ``ImageId,Label`` row per test image."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..digits import digits_answer_key
from .spec import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA"]

SCHEMA = Schema(
    id_column="ImageId",
    columns=[Column("ImageId", "int", minimum=1), Column("Label", "int", minimum=0, maximum=9)],
    description="ImageId: 1-based index of the test image; Label: the predicted digit 0-9.",
)


def _accuracy(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    sub = submission.astype({"ImageId": int, "Label": int}).set_index("ImageId")["Label"]
    truth = key.set_index("ImageId")["Label"]
    return float(np.mean(sub.reindex(truth.index).to_numpy() == truth.to_numpy()))


SUBMISSIONS = [
    SubmissionSpec(lab="lab01_digits_mlp", filename="Hw1_submission_Z.csv", schema=SCHEMA,
                   metric="accuracy", load_key=digits_answer_key, score=_accuracy),
]
