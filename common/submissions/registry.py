"""Each lab's submission files, in one table; finding, validating and scoring a submission.

A lab declares its CSVs in ``common/submissions/<lab id>.py`` as a list ``SUBMISSIONS`` of
:class:`~common.submissions.spec.SubmissionSpec`, and the list is entered in :data:`SUBMISSIONS`
below under the lab id.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SubmissionError
from . import (lab01_digits_mlp, lab02_slice_classification, lab03_fusion_strategies,
               lab04_segmentation, lab05_cxr_detection, lab06_autoencoder_features,
               lab07_inflated_densenet)
from .check import check_submission, score_checked
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "specs_for", "spec_for", "labs_with_submissions",
           "validate_submission", "score_submission"]

#: lab id -> the submission files it declares.
SUBMISSIONS: dict[str, list[SubmissionSpec]] = {
    "lab01_digits_mlp": lab01_digits_mlp.SUBMISSIONS,
    "lab02_slice_classification": lab02_slice_classification.SUBMISSIONS,
    "lab03_fusion_strategies": lab03_fusion_strategies.SUBMISSIONS,
    "lab04_segmentation": lab04_segmentation.SUBMISSIONS,
    "lab05_cxr_detection": lab05_cxr_detection.SUBMISSIONS,
    "lab06_autoencoder_features": lab06_autoencoder_features.SUBMISSIONS,
    "lab07_inflated_densenet": lab07_inflated_densenet.SUBMISSIONS,
}


def labs_with_submissions() -> list[str]:
    """Assignment ids that declare at least one submission, sorted."""
    return sorted(lab for lab, specs in SUBMISSIONS.items() if specs)


def specs_for(lab: str) -> list[SubmissionSpec]:
    """The submission specs of ``lab``.

    Args:
        lab: assignment id.

    Returns:
        A new list of its specs.

    Raises:
        SubmissionError: when the lab declares no submission.
    """
    if lab not in labs_with_submissions():
        raise SubmissionError(
            f"No submission is declared for {lab!r}; choose one of "
            f"{', '.join(labs_with_submissions()) or 'none'}."
        )
    return list(SUBMISSIONS[lab])


def spec_for(lab: str, filename: str | None = None) -> SubmissionSpec:
    """The spec of ``filename`` in ``lab``.

    Args:
        lab: assignment id.
        filename: the submitted file's name (a path is reduced to its name); ``None`` for a lab
            with a single submission file.

    Returns:
        The matching spec.

    Raises:
        SubmissionError: unknown lab, a missing name where the lab has several files, or a name
            that is not one of the lab's files.
    """
    specs = specs_for(lab)
    if filename is None:
        if len(specs) == 1:
            return specs[0]
        raise SubmissionError(
            f"{lab} has several submission files ({', '.join(s.filename for s in specs)}); "
            f"name the one to check with --file."
        )
    for spec in specs:
        if spec.filename == Path(filename).name:
            return spec
    raise SubmissionError(
        f"{Path(filename).name} is not a submission of {lab}; expected one of "
        f"{', '.join(s.filename for s in specs)}."
    )


def _spec_of(lab: str, path: Path | str, filename: str | None) -> SubmissionSpec:
    """The spec a file is checked as: ``filename``, else the file's name where the lab has
    several submissions, else the lab's only one."""
    if filename is None and len(specs_for(lab)) > 1:
        filename = Path(path).name
    return spec_for(lab, filename)


def _max_bytes(max_mb: float | None) -> int | None:
    return None if max_mb is None else int(max_mb * 2**20)


def validate_submission(lab: str, path: Path | str, filename: str | None = None,
                        max_mb: float | None = None) -> list[str]:
    """Problems of a submission file against its schema and the test ids.

    Args:
        lab: assignment id.
        path: the CSV file.
        filename: the submission's name when the file was renamed (default: the file's name
            where the lab has several submission files).
        max_mb: a file-size limit in MiB other than the submission's default.

    Returns:
        One sentence per problem; empty when the file is valid (and then
        :func:`score_submission` scores it).

    Raises:
        SubmissionError: when the lab or the submission name is unknown.
        CourseError: when the answer key cannot be loaded.
    """
    spec = _spec_of(lab, path, filename)
    return check_submission(spec, path, max_bytes=_max_bytes(max_mb)).problems


def score_submission(lab: str, path: Path | str, filename: str | None = None,
                     max_mb: float | None = None) -> float:
    """Validate and score a submission.

    Args:
        lab: assignment id.
        path: the CSV file.
        filename: the submission's name when the file was renamed.
        max_mb: a file-size limit in MiB other than the submission's default.

    Returns:
        The score (the spec's ``metric``).

    Raises:
        SubmissionError: when the lab or name is unknown, the file is invalid (listing every
            problem, the same sentences :func:`validate_submission` returns), or the scorer failed.
        CourseError: when the answer key cannot be loaded or is incomplete.
    """
    spec = _spec_of(lab, path, filename)
    return score_checked(check_submission(spec, path, max_bytes=_max_bytes(max_mb)))
