"""The one path from a submitted file to its problems or its score.

Validation (:func:`common.submissions.validate_submission`), scoring
(:func:`common.submissions.score_submission`) and the leaderboard all call :func:`check_submission`
and then, for a valid file, :func:`score_checked`. The order is fixed:

1. ``os.stat``: a missing, non-regular, empty or too large file is refused before anything is
   read or any answer key is loaded;
2. the answer key is loaded (its ids bound how many rows are read);
3. the file is read (:mod:`common.submissions.reader`) and checked against the schema and the test
   ids (:func:`common.submissions.schema.check_table`);
4. a valid file is scored; an exception from a scorer or a library becomes one
   :class:`~common.errors.SubmissionError` sentence.

Because steps 1-3 are the whole of validation, a file that validates reaches the scorer with one
row per test id and typed columns, and a file that does not validate is never scored.

Example:
    >>> checked = check_submission(spec_for("lab01_digits_mlp"), "Hw1_submission_Z.csv")
    >>> checked.problems or score_checked(checked)
    0.95
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import CourseError, SubmissionError
from .reader import check_file_size, read_csv_table
from .schema import check_table
from .spec import SubmissionSpec

__all__ = ["Checked", "check_submission", "score_checked", "score_checked_ids"]


@dataclass
class Checked:
    """A submission file after the checks.

    Attributes:
        spec: the submission it was checked as.
        path: the file.
        frame: the typed table when the file is valid, else None.
        problems: one sentence per problem; empty when the file is valid.
        key: the answer key, when it was loaded.
    """

    spec: SubmissionSpec
    path: Path
    frame: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)
    key: pd.DataFrame | None = None

    @property
    def valid(self) -> bool:
        """True when the file passed every check."""
        return self.frame is not None and not self.problems


def check_submission(spec: SubmissionSpec, path: Path | str, key: pd.DataFrame | None = None,
                     max_bytes: int | None = None) -> Checked:
    """Check a file as submission ``spec``: size, then answer key, then reading and schema.

    Args:
        spec: the submission's spec.
        path: the CSV file.
        key: the answer key, when the caller has loaded it already (the leaderboard does).
        max_bytes: a file-size limit other than ``spec.max_bytes``.

    Returns:
        The checked file: a typed frame, or the problems.

    Raises:
        CourseError: when the answer key cannot be loaded (a course setup problem, not the
            file's).
    """
    path = Path(path)
    try:
        check_file_size(path, max_bytes or spec.max_bytes)
    except SubmissionError as exc:
        return Checked(spec, path, problems=[str(exc)], key=key)
    if key is None:
        key = spec.load_key()
    ids = spec.expected_ids(key)
    try:
        table = read_csv_table(path, spec.limits(len(ids), max_bytes))
    except SubmissionError as exc:
        return Checked(spec, path, problems=[str(exc)], key=key)
    frame, problems = check_table(table, spec.schema, ids)
    return Checked(spec, path, frame=frame, problems=problems, key=key)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no message"


def score_checked(checked: Checked) -> float:
    """Score a file that passed :func:`check_submission`.

    Args:
        checked: a valid checked file.

    Returns:
        The score (the spec's ``metric``).

    Raises:
        SubmissionError: when the file is invalid (listing every problem), or the scorer failed
            (one sentence naming the file and the error).
        CourseError: when the answer key is incomplete (a course setup problem, not the file's).
    """
    name = checked.path.name
    if not checked.valid:
        raise SubmissionError(" ".join(checked.problems) or f"{name} was not checked; validate it first.")
    try:
        return float(checked.spec.score(checked.frame, checked.key))
    except CourseError:
        raise
    except Exception as exc:   # a scorer never lets a library error reach the user
        raise SubmissionError(
            f"{name} passed validation but could not be scored ({type(exc).__name__}: "
            f"{_first_line(exc)}); send the file to the course staff."
        ) from None


def score_checked_ids(checked: Checked, ids) -> float:
    """Score a file that passed :func:`check_submission` on a part of the test split only.

    The file's rows and the answer key's rows are both restricted to ``ids`` (compared as
    :func:`~common.submissions.schema.canonical_id` does), then scored by the same path as
    :func:`score_checked`. A leaderboard uses it for its public and private parts.

    Args:
        checked: a valid checked file.
        ids: the test ids of the part (a subset of the answer key's ids).

    Returns:
        The score of the part (the spec's ``metric``).

    Raises:
        SubmissionError: as :func:`score_checked`, or when ``ids`` holds none of the key's ids.
        CourseError: when the answer key is incomplete.
    """
    from .schema import canonical_id

    if not checked.valid:
        return score_checked(checked)           # raises, listing the problems
    wanted = {canonical_id(i) for i in ids}
    column = checked.spec.schema.id_column
    key = checked.key[[canonical_id(v) in wanted for v in checked.key[column]]]
    if key.empty:
        raise SubmissionError(f"No id of the part to score is in the answer key of "
                              f"{checked.spec.lab}; choose ids of its test split.")
    frame = checked.frame[[canonical_id(v) in wanted for v in checked.frame[column]]]
    frame = frame.reset_index(drop=True)
    part = Checked(checked.spec, checked.path, frame=frame, key=key.reset_index(drop=True))
    return score_checked(part)
