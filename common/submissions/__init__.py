"""Submission CSVs: declared schemas, validation, scoring and the leaderboard."""

from .registry import (SUBMISSIONS, labs_with_submissions, score_submission, spec_for, specs_for,
                       validate_submission)
from .schema import Column, Schema, read_submission, validate_csv, validate_frame
from .spec import SubmissionSpec

__all__ = [
    "Column", "Schema", "SubmissionSpec", "read_submission", "validate_csv", "validate_frame",
    "SUBMISSIONS", "specs_for", "spec_for", "labs_with_submissions", "validate_submission",
    "score_submission",
]
