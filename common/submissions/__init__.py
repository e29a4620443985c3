"""Submission CSVs: declared schemas, validation, scoring and the leaderboard."""

from .registry import (SubmissionSpec, labs_with_submissions, score_submission, spec_for,
                       specs_for, validate_submission)
from .schema import Column, Schema, read_submission, validate_csv, validate_frame

__all__ = [
    "Column", "Schema", "SubmissionSpec", "read_submission", "validate_csv", "validate_frame",
    "specs_for", "spec_for", "labs_with_submissions", "validate_submission", "score_submission",
]
