"""Scoring an upload on the public and the private part of a lab's hidden test split.

The split is fixed per lab: an id is public when the SHA-256 of ``"<salt>:<id>"`` ranks among the
lowest ``public_fraction`` of the key's ids, where ``salt`` is drawn once when the lab is first
opened (so students cannot tell which ids are public). When a part cannot be scored on its own
(ROC-AUC needs both classes in it) the next salt is tried; the salt found is stored.

An upload goes through :func:`common.submissions.check.check_submission` with the cached answer
key, then :func:`common.submissions.check.score_checked_ids` on each part and
:func:`~common.submissions.check.score_checked` on the whole split: the same path as
``dlmia grade score-csv``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import CourseError, SubmissionError
from ..submissions.check import check_submission, score_checked, score_checked_ids
from ..submissions.schema import canonical_id
from ..submissions.spec import SubmissionSpec

__all__ = ["Scored", "KeyCache", "public_ids", "choose_salt", "score_file"]


@dataclass
class Scored:
    """What scoring an upload found."""

    status: str
    problems: list[str] = field(default_factory=list)
    public: float | None = None
    private: float | None = None
    score: float | None = None


class KeyCache:
    """Answer keys loaded once per process (they are read-only while the server runs)."""

    def __init__(self):
        self._keys: dict[tuple[str, str], pd.DataFrame] = {}
        self._lock = threading.Lock()

    def key(self, spec: SubmissionSpec) -> pd.DataFrame:
        """The answer key of ``spec``, loaded on first use.

        Raises:
            CourseError: the key cannot be loaded (not built on this server).
        """
        name = (spec.lab, spec.filename)
        with self._lock:
            if name not in self._keys:
                self._keys[name] = spec.load_key()
            return self._keys[name]


def public_ids(ids: list[str], salt: str, fraction: float) -> set[str]:
    """The public part of ``ids``: the ``fraction`` (at least one id, and at least one left
    private when there are two or more) whose salted SHA-256 is lowest."""
    ranked = sorted(ids, key=lambda i: hashlib.sha256(f"{salt}:{i}".encode()).hexdigest())
    n = round(len(ranked) * fraction)
    n = max(1, min(n, len(ranked) - 1)) if len(ranked) > 1 else len(ranked)
    return set(ranked[:n])


def _parts(spec: SubmissionSpec, key: pd.DataFrame, salt: str,
           fraction: float) -> tuple[set[str], set[str]]:
    ids = spec.expected_ids(key)
    public = public_ids(ids, salt, fraction)
    return public, set(ids) - public


def choose_salt(specs: list[SubmissionSpec], keys: KeyCache, fraction: float,
                tries: int = 50) -> str:
    """A salt whose public and private parts can each be scored, for every file of a lab.

    The spec's own example (the key's answers) is scored on both parts; ROC-AUC, for one, needs
    both classes in each.

    Raises:
        CourseError: the key cannot be loaded, or no salt in ``tries`` gives scorable parts.
    """
    base = secrets.token_hex(8)
    for n in range(tries):
        salt = f"{base}{n}"
        if all(_scorable(spec, keys.key(spec), salt, fraction) for spec in specs):
            return salt
    raise CourseError(f"No split of {specs[0].lab}'s test ids into a public and a private part "
                      f"could be scored on its own; use a public fraction nearer 0.5.")


def _scorable(spec: SubmissionSpec, key: pd.DataFrame, salt: str, fraction: float) -> bool:
    """True when the key's own answers score on each part as on the whole split."""
    if spec.example is None:
        return True
    public, private = _parts(spec, key, salt, fraction)
    frame = spec.example(key, False)
    column = spec.schema.id_column
    try:
        whole = float(spec.score(frame, key))
    except SubmissionError:
        return True               # nothing to compare with yet (lab07's reference): any split
    for part in (public, private):
        sub = frame[[canonical_id(v) in part for v in frame[column]]].reset_index(drop=True)
        keep = key[[canonical_id(v) in part for v in key[column]]].reset_index(drop=True)
        try:
            score = float(spec.score(sub, keep))
        except Exception:
            return False
        if not math.isclose(score, whole, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


def score_file(spec: SubmissionSpec, path: Path, keys: KeyCache, salt: str,
               fraction: float) -> Scored:
    """Validate ``path`` as ``spec`` and score it on the whole split and on both parts.

    Returns:
        ``invalid`` with the validator's sentences, ``not scored`` with the course's sentence,
        or ``scored`` with the three scores.
    """
    try:
        key = keys.key(spec)
    except CourseError as exc:
        return Scored("not scored", [str(exc)])
    checked = check_submission(spec, path, key=key)
    if not checked.valid:
        return Scored("invalid", list(checked.problems))
    public, private = _parts(spec, key, salt, fraction)
    try:
        return Scored("scored", public=score_checked_ids(checked, public),
                      private=score_checked_ids(checked, private), score=score_checked(checked))
    except CourseError as exc:
        return Scored("not scored", [str(exc)])
