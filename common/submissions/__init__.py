"""Submission CSVs: declared schemas, one strict reading, validation, scoring and the leaderboard.

A file is read one way (:mod:`~common.submissions.reader`), checked against its schema
(:mod:`~common.submissions.schema`) and scored through one path
(:mod:`~common.submissions.check`), so ``validate_submission`` and ``score_submission`` agree on
every file: a file that validates scores, a file that does not validate is never scored.
Importing this package loads NumPy and pandas only; scorers import their topic packages when they
run.
"""

from .check import Checked, check_submission, score_checked
from .reader import CsvTable, ReadLimits, read_csv_stream, read_csv_table
from .registry import (SUBMISSIONS, labs_with_submissions, score_submission, spec_for, specs_for,
                       validate_submission)
from .schema import Column, Schema, check_table, read_submission, validate_csv, validate_frame
from .spec import SubmissionSpec

__all__ = [
    "Column", "Schema", "SubmissionSpec", "read_submission", "validate_csv", "validate_frame",
    "check_table", "CsvTable", "ReadLimits", "read_csv_table", "read_csv_stream",
    "Checked", "check_submission", "score_checked",
    "SUBMISSIONS", "specs_for", "spec_for", "labs_with_submissions", "validate_submission",
    "score_submission",
]
