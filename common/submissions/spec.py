"""What a lab declares about one submission file: its name, schema, answer key and score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from .schema import Schema

__all__ = ["SubmissionSpec"]


@dataclass(frozen=True)
class SubmissionSpec:
    """One submission file of a lab.

    Args:
        lab: assignment id (``"lab01_digits_mlp"``).
        filename: the file name students submit (``"submission.csv"``).
        schema: its declared columns.
        metric: the name of the score (``"accuracy"``).
        load_key: returns the answer key as a DataFrame whose ``schema.id_column`` lists the ids.
        score: ``score(submission, key) -> float``; ``submission`` has been validated and holds
            strings, ``key`` is what ``load_key`` returned.
        higher_is_better: ranking direction on the leaderboard.

    Example:
        >>> SubmissionSpec(lab="lab01_digits_mlp", filename="Hw1_submission_Z.csv",
        ...                schema=SCHEMA, metric="accuracy", load_key=load_key, score=accuracy)
    """

    lab: str
    filename: str
    schema: Schema
    metric: str
    load_key: Callable[[], pd.DataFrame]
    score: Callable[[pd.DataFrame, pd.DataFrame], float]
    higher_is_better: bool = True
