"""lab07's output table: ``similarities.csv``, one cosine similarity per layer and region pair.

Columns:

- ``pair_id``: ``"<layer>:<region_a>-<region_b>"``, e.g. ``denseblock3:tibia-background``;
- ``layer``: ``denseblock2``, ``denseblock3`` or ``denseblock4`` (the hooked depth);
- ``region_a``, ``region_b``: ``tibia``, ``femur`` or ``background``, in the pairs
  (tibia, femur), (tibia, background), (femur, background);
- ``cosine_similarity``: the cosine of the two regions' 3D-pooled feature vectors at that layer,
  in [-1, 1], averaged over the dataset's knees.

The score is the largest absolute difference to the reference run's table, so **lower is better**
(0 reproduces the reference). The reference is ``runs/lab07_inflated_densenet/similarities.csv``
as ``dlmia run lab07_inflated_densenet`` writes it, or the file named by
``$DLMIA_LAB07_REFERENCE``; both depend on the weights the reference run had (ImageNet when
cached, otherwise a short training on the knees' slices) and on the knees, so score against a
reference produced with the same weights on the same data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..env import LAB07_REFERENCE_ENV
from ..errors import SubmissionError
from ..paths import runs_root
from .reader import read_csv_table
from .schema import Column, Schema, check_table
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "LAYERS", "REGION_PAIRS", "PAIR_IDS", "REFERENCE_ENV",
           "reference_path", "load_key", "max_abs_difference", "example"]

LAB = "lab07_inflated_densenet"
#: the hooked layers, shallow to deep.
LAYERS = ("denseblock2", "denseblock3", "denseblock4")
#: the compared region pairs, in table order.
REGION_PAIRS = (("tibia", "femur"), ("tibia", "background"), ("femur", "background"))
#: every row's id, in table order.
PAIR_IDS = tuple(f"{layer}:{a}-{b}" for layer in LAYERS for a, b in REGION_PAIRS)
#: environment variable naming another reference table.
REFERENCE_ENV = LAB07_REFERENCE_ENV


def _check_row(row: dict) -> str | None:
    expected = f"{row.get('layer', '').strip()}:{row.get('region_a', '').strip()}-" \
               f"{row.get('region_b', '').strip()}"
    if row.get("pair_id", "").strip() != expected:
        return (f"pair_id {row.get('pair_id', '?')!r} does not match its layer and regions; "
                f"write it as {expected!r}.")
    return None


SCHEMA = Schema(
    id_column="pair_id",
    columns=[Column("pair_id", "str"), Column("layer", "str", allowed=LAYERS),
             Column("region_a", "str", allowed=("tibia", "femur")),
             Column("region_b", "str", allowed=("femur", "background")),
             Column("cosine_similarity", "float", minimum=-1.0, maximum=1.0)],
    row_check=_check_row,
    description=("pair_id '<layer>:<region_a>-<region_b>'; layer denseblock2/3/4; region_a, "
                 "region_b tibia/femur/background; cosine_similarity in [-1, 1]."),
)


def reference_path() -> Path:
    """Where the reference table is read from (``$DLMIA_LAB07_REFERENCE`` or the reference run)."""
    env = os.environ.get(REFERENCE_ENV)
    return Path(env) if env else runs_root() / LAB / "similarities.csv"


def load_key() -> pd.DataFrame:
    """The expected ``pair_id`` rows, with the reference ``cosine_similarity`` where available.

    The ids never depend on a run; the reference values are NaN when no reference table exists
    or when it does not pass the schema (it is read like a submission).
    """
    key = pd.DataFrame({"pair_id": PAIR_IDS})
    values = {}
    path = reference_path()
    if path.is_file():
        try:
            table = read_csv_table(path)
        except SubmissionError:
            table = None
        frame = check_table(table, SCHEMA, PAIR_IDS)[0] if table is not None else None
        if frame is not None:
            values = dict(zip(frame["pair_id"], frame["cosine_similarity"]))
    key["cosine_similarity"] = [float(values.get(i, np.nan)) for i in PAIR_IDS]
    return key


def max_abs_difference(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """Largest |submitted − reference| cosine similarity over the key's rows (lower is better).

    Raises:
        SubmissionError: when there is no reference table to compare with.
    """
    if key["cosine_similarity"].isna().any():
        raise SubmissionError(
            f"There is no complete reference table at {reference_path()}; run `dlmia run {LAB}` "
            f"first or point {REFERENCE_ENV} at a reference similarities.csv.")
    sub = dict(zip(submission["pair_id"].astype(str).str.strip(),
                   submission["cosine_similarity"].astype(float)))
    return float(max(abs(sub[i] - float(v)) for i, v in zip(key["pair_id"],
                                                              key["cosine_similarity"])))


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The reference values as a table (score 0; 0.5 where there is no reference); the largest
    file writes them with 17 significant digits."""
    values = key["cosine_similarity"].fillna(0.5).to_numpy(dtype=float)
    if largest:
        values = values + 1e-13 / 3      # full-precision digits, the same value to 1e-12
    rows = [dict(zip(("layer", "region_a", "region_b"), (layer, a, b)))
            for layer in LAYERS for a, b in REGION_PAIRS]
    table = pd.DataFrame(rows)
    table.insert(0, "pair_id", list(PAIR_IDS))
    table["cosine_similarity"] = np.clip(values, -1.0, 1.0)
    return table


SUBMISSIONS = [
    SubmissionSpec(lab=LAB, filename="similarities.csv", schema=SCHEMA,
                   metric="max_abs_difference", load_key=load_key, score=max_abs_difference,
                   higher_is_better=False, real_rows=len(PAIR_IDS), row_bytes=256, max_cell=256,
                   example=example),
]
