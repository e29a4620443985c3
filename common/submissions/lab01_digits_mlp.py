"""lab01's submission: ``Hw1_submission_Z.csv`` with one ``ImageId,Label`` row per test image.

Size: the largest real test split is Kaggle's digit-recognizer ``test.csv`` (28,000 images); a
row such as ``27999,7`` takes under 12 bytes, so 32 bytes a row is generous (the limit is then the
4 MiB floor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import Column, Schema
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "load_key", "example"]

SCHEMA = Schema(
    id_column="ImageId",
    columns=[Column("ImageId", "int", minimum=1), Column("Label", "int", minimum=0, maximum=9)],
    description="ImageId: 1-based index of the test image; Label: the predicted digit 0-9.",
)


def load_key() -> pd.DataFrame:
    """The hidden test labels (``ImageId, Label``) of the scikit-learn digits split."""
    from ..digits import digits_answer_key   # loads scikit-learn: only when a key is needed

    return digits_answer_key()


def _accuracy(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    sub = submission.astype({"ImageId": int, "Label": int}).set_index("ImageId")["Label"]
    truth = key.set_index("ImageId")["Label"]
    return float(np.mean(sub.reindex(truth.index).to_numpy() == truth.to_numpy()))


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's labels as a submission (accuracy 1); the largest file is the same one."""
    return key[["ImageId", "Label"]].copy()


SUBMISSIONS = [
    SubmissionSpec(lab="lab01_digits_mlp", filename="Hw1_submission_Z.csv", schema=SCHEMA,
                   metric="accuracy", load_key=load_key, score=_accuracy, real_rows=28_000,
                   row_bytes=32, max_cell=64, example=example),
]
