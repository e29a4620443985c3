"""Each lab declares its submission files; this module finds, validates and scores them.

A lab declares its CSVs in ``common/submissions/<lab id>.py`` as a list ``SUBMISSIONS`` of
:class:`SubmissionSpec`. Nothing else needs registering: :func:`specs_for` imports the module by
the lab id.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from ..errors import SubmissionError
from .schema import Schema, read_submission, validate_frame

__all__ = ["SubmissionSpec", "specs_for", "spec_for", "labs_with_submissions",
           "validate_submission", "score_submission"]


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
    """

    lab: str
    filename: str
    schema: Schema
    metric: str
    load_key: Callable[[], pd.DataFrame]
    score: Callable[[pd.DataFrame, pd.DataFrame], float]
    higher_is_better: bool = True


def labs_with_submissions() -> list[str]:
    """Assignment ids that declare at least one submission."""
    from . import __path__ as pkg_path

    return sorted(m.name for m in pkgutil.iter_modules(pkg_path) if m.name.startswith("lab"))


def specs_for(lab: str) -> list[SubmissionSpec]:
    """The submission specs of ``lab``."""
    if lab not in labs_with_submissions():
        raise SubmissionError(
            f"No submission is declared for {lab!r}; choose one of "
            f"{', '.join(labs_with_submissions()) or 'none'}."
        )
    module = importlib.import_module(f"{__package__}.{lab}")
    return list(module.SUBMISSIONS)


def spec_for(lab: str, filename: str | None = None) -> SubmissionSpec:
    """The spec of ``filename`` in ``lab`` (the only one when ``filename`` is None)."""
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


def _problems(spec: SubmissionSpec, path: Path, key: pd.DataFrame) -> tuple[pd.DataFrame | None, list[str]]:
    frame, problems = read_submission(path)
    if frame is None:
        return None, problems
    ids = key[spec.schema.id_column].astype(str).tolist()
    problems = validate_frame(frame, spec.schema, expected_ids=ids, name=Path(path).name)
    if problems:
        return None, problems
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, []


def validate_submission(lab: str, path: Path | str, filename: str | None = None) -> list[str]:
    """Problems of a submission file against its schema and the test ids (empty when valid)."""
    spec = spec_for(lab, filename or Path(path).name if filename or len(specs_for(lab)) > 1 else None)
    return _problems(spec, Path(path), spec.load_key())[1]


def score_submission(lab: str, path: Path | str, filename: str | None = None) -> float:
    """Validate and score a submission; raise :class:`SubmissionError` listing every problem."""
    spec = spec_for(lab, filename or Path(path).name if filename or len(specs_for(lab)) > 1 else None)
    key = spec.load_key()
    frame, problems = _problems(spec, Path(path), key)
    if problems:
        raise SubmissionError(" ".join(problems))
    return float(spec.score(frame, key))
