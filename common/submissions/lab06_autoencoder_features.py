"""lab06's submission: ``predictions.csv``, the probability of disc narrowing for every test disc.

Columns:

- ``disc_id``: ``"<patient_id>_<disc_label>"``, e.g. ``061_203`` (one row per test disc);
- ``patient_id``: the patient (the ``<id>`` of the file names, as text: ``061``);
- ``disc_label``: the disc's SPIDER mask label, 201–225 (201 = L5/S1);
- ``probability``: P(narrowing = 1) in [0, 1].

Scored by ROC-AUC against the hidden clinical grades of the ``spine_mr`` test patients
(``answer_keys/spine_mr/narrowing.csv``).

Size: SPIDER holds 218 patients with up to 9 graded discs each; 10,000 rows of 128 bytes is
generous (the limit is then the 4 MiB floor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..answer_keys import answer_key_path, read_answer_key
from .schema import Column, Schema
from .auc import auc_by_id
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "disc_id", "load_key", "score_auc", "example"]

LAB = "lab06_autoencoder_features"


def disc_id(patient_id, disc_label) -> str:
    """The id of one disc: ``disc_id("061", 203) == "061_203"``."""
    return f"{str(patient_id).strip()}_{int(disc_label)}"


def _check_row(row: dict) -> str | None:
    expected = disc_id(row.get("patient_id", ""), row.get("disc_label", "0"))
    if row.get("disc_id", "").strip() != expected:
        return (f"disc_id {row.get('disc_id', '?')!r} does not match its patient_id and "
                f"disc_label; write it as {expected!r}.")
    return None


SCHEMA = Schema(
    id_column="disc_id",
    columns=[Column("disc_id", "str"), Column("patient_id", "str"),
             Column("disc_label", "int", minimum=201, maximum=225),
             Column("probability", "float", minimum=0.0, maximum=1.0)],
    row_check=_check_row,
    description=("disc_id '<patient_id>_<disc_label>' (e.g. 061_203); patient_id as in the file "
                 "names; disc_label 201-225; probability: P(narrowing = 1) in [0, 1]."),
)


def load_key() -> pd.DataFrame:
    """The test discs' grades: ``disc_id, patient_id, disc_label, narrowing``."""
    path = answer_key_path("spine_mr", "narrowing")
    if not path.is_file():
        return read_answer_key("spine_mr", "narrowing")     # raises the DataError that says why
    key = pd.read_csv(path, dtype={"patient_id": str})
    key["patient_id"] = key["patient_id"].str.strip()
    key.insert(0, "disc_id", [disc_id(p, d) for p, d in zip(key["patient_id"],
                                                            key["disc_label"])])
    return key


def score_auc(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """ROC-AUC of a submission (one row per test disc) against the key."""
    return auc_by_id(submission, key, "disc_id", "narrowing")


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's grades as probabilities (ROC-AUC 1); the largest file writes them with 17
    significant digits."""
    prob = key["narrowing"].astype(float).to_numpy()
    if largest:
        prob = np.clip(prob * 0.5 + 0.123456789012345 + np.arange(len(prob)) * 1e-9, 0, 1)
    return pd.DataFrame({"disc_id": key["disc_id"], "patient_id": key["patient_id"],
                         "disc_label": key["disc_label"].astype(int), "probability": prob})


SUBMISSIONS = [
    SubmissionSpec(lab=LAB, filename="predictions.csv", schema=SCHEMA, metric="roc_auc",
                   load_key=load_key, score=score_auc, example=example, real_rows=10_000,
                   row_bytes=128, max_cell=256),
]
