"""What a lab declares about one submission file: its name, schema, answer key, score and size.

The size limits come from the real submission: ``real_rows`` is the row count of the largest real
dataset the lab supports (its test split), ``row_bytes`` a generous size of one row. The default
file limit is their product, never below :data:`MIN_MAX_BYTES`; it is checked with ``os.stat``
before anything is read or any answer key is loaded. Reading then stops after twice the number of
test ids (plus 100) rows and at cells longer than ``max_cell`` characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from .reader import ReadLimits
from .schema import Schema, canonical_id

__all__ = ["SubmissionSpec", "MIN_MAX_BYTES"]

#: the smallest default file limit of any submission (4 MiB).
MIN_MAX_BYTES = 4 * 2**20


@dataclass(frozen=True)
class SubmissionSpec:
    """One submission file of a lab.

    Args:
        lab: assignment id (``"lab01_digits_mlp"``).
        filename: the file name students submit (``"submission.csv"``).
        schema: its declared columns.
        metric: the name of the score (``"accuracy"``).
        load_key: returns the answer key as a DataFrame whose ``schema.id_column`` lists the ids.
        score: ``score(submission, key) -> float``; ``submission`` has passed the schema (one row
            per test id, columns typed as declared), ``key`` is what ``load_key`` returned.
        higher_is_better: ranking direction on the leaderboard.
        real_rows: rows of the largest real submission (the real dataset's test split).
        row_bytes: a generous size of one row of it, in bytes.
        max_cell: the longest cell a valid file can need, in characters.
        example: ``example(key, largest) -> DataFrame``: a valid submission for ``key``, the
            key's own answers when ``largest`` is False, else the largest valid file (every cell
            as long as the schema allows); used by tests and ``dlmia grade bench-csv``.

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
    real_rows: int = 10_000
    row_bytes: int = 256
    max_cell: int = 4096
    example: Callable[[pd.DataFrame, bool], pd.DataFrame] | None = None

    @property
    def max_bytes(self) -> int:
        """The default file-size limit: ``real_rows × row_bytes``, at least 4 MiB."""
        return max(MIN_MAX_BYTES, self.real_rows * self.row_bytes)

    def expected_ids(self, key: pd.DataFrame) -> list[str]:
        """The distinct ids of ``key``, in order, as the checks compare them."""
        return list(dict.fromkeys(canonical_id(v) for v in key[self.schema.id_column]))

    def limits(self, n_ids: int, max_bytes: int | None = None) -> ReadLimits:
        """How much of a file is read when the test split has ``n_ids`` ids.

        Args:
            n_ids: the number of test ids.
            max_bytes: a file-size limit other than :attr:`max_bytes`.

        Returns:
            The file-size, row and cell limits.
        """
        return ReadLimits(max_bytes=max_bytes or self.max_bytes, max_rows=2 * n_ids + 100,
                          max_cell=self.max_cell)
