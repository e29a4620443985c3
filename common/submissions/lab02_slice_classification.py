"""lab02's submission: ``predictions.csv`` with one ``patient_id,probability`` row per test patient.

Scored by ROC-AUC against the hidden test labels of the ``ct_volumes`` phantom.

The answer key is optional: a real data folder has none. :func:`leaderboard_check` then checks a
file against the test patients of ``patients.csv`` and leaves it unscored, and it never returns
labels, only problems and a score.

Size: real per-patient collections hold at most a few thousand patients (LIDC-IDRI: 1,010);
10,000 rows of 128 bytes (a ``patient_id`` and a full-precision probability take under 50) is
generous (the limit is then the 4 MiB floor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pathlib import Path

from ..answer_keys import answer_key_path, read_answer_key
from .check import check_submission, score_checked
from .auc import auc_by_id
from .spec import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA", "load_key", "score_auc", "example", "key_available",
           "leaderboard_check"]

SCHEMA = Schema(
    id_column="patient_id",
    columns=[Column("patient_id", "str"), Column("probability", "float", minimum=0.0, maximum=1.0)],
    description="patient_id: a test patient (e.g. P0001); probability: P(label = 1) in [0, 1].",
)
#: size limits shared with lab03's five files.
SIZE = {"real_rows": 10_000, "row_bytes": 128, "max_cell": 256}


def load_key() -> pd.DataFrame:
    """The test labels (``patient_id, label``) of the ct_volumes phantom."""
    return read_answer_key("ct_volumes", "labels").astype({"patient_id": str})


def key_available(root: Path | None = None) -> bool:
    """Whether the answer key of the ct_volumes test split exists (``root``: the data root)."""
    return answer_key_path("ct_volumes", "labels", root).is_file()


def leaderboard_check(lab: str, path: str | Path, test_ids) -> tuple[list[str], float | None]:
    """Problems of one of ``lab``'s prediction files and, where an answer key exists, its score.

    With the answer key (a phantom build) the file is validated against it and, when valid,
    scored as the leaderboard scores it. Without one (a real data folder) it is checked against
    ``test_ids`` (the test patients of ``patients.csv``) and not scored. Either way only problem
    sentences and a number leave this function, never the key's labels.

    Args:
        lab: ``"lab02_slice_classification"`` or ``"lab03_fusion_strategies"``.
        path: the CSV file; its name picks the submission (lab03 has five).
        test_ids: the test split's patient ids.

    Returns:
        ``(problems, score)``; ``score`` is None when the file has problems or there is no key.
    """
    from .registry import spec_for   # the registry imports this module

    spec = spec_for(lab, Path(path).name if lab != SUBMISSIONS[0].lab else None)
    if key_available():
        checked = check_submission(spec, path)
    else:
        ids = pd.DataFrame({"patient_id": [str(i) for i in test_ids]})
        checked = check_submission(spec, path, key=ids)
    if checked.problems or not key_available():
        return list(checked.problems), None
    return [], score_checked(checked)


def score_auc(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """ROC-AUC of a submission (one row per test patient) against the key."""
    return auc_by_id(submission, key, "patient_id", "label")


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's labels as probabilities (ROC-AUC 1); the largest file writes them with 17
    significant digits."""
    prob = key["label"].astype(float).to_numpy()
    if largest:
        prob = np.clip(prob * 0.5 + 0.123456789012345 + np.arange(len(prob)) * 1e-9, 0, 1)
    return pd.DataFrame({"patient_id": key["patient_id"].astype(str), "probability": prob})


SUBMISSIONS = [
    SubmissionSpec(lab="lab02_slice_classification", filename="predictions.csv", schema=SCHEMA,
                   metric="roc_auc", load_key=load_key, score=score_auc, example=example, **SIZE),
]
