"""The spine_mr phantom laid out as a SPIDER download prepared as its card says.

:func:`make_real_layout` writes what a user has after following ``datasets/spine_mr.md`` on the
real SPIDER release: ``images/<n>_t2.mha`` and ``masks/<n>_t2.mha`` with patients numbered as
SPIDER numbers them (``1``, ``2``, ... without zero padding), SPIDER's own tables
(``overview.csv``, ``radiological_gradings.csv`` with its column names and ``IVD label`` counted
from the bottom), and the ``annotations.xlsx`` the card's step 2 builds from them (held-out
patients' ``narrowing`` left empty). Nothing the phantom builder adds: no ``ground_truth.csv``
(the real data has no geometric truth), no manifest, no marker, no answer key.

Example:
    >>> make_real_layout(datasets / "spine_mr", tmp / "data" / "spine_mr", n_patients=12)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

__all__ = ["make_real_layout", "real_id"]


def real_id(pid: str) -> str:
    """SPIDER numbers patients 1, 2, ... (the phantom pads them: 001)."""
    return str(int(pid))


def make_real_layout(phantom_dir: Path, out_dir: Path, n_patients: int | None = None) -> Path:
    """Write the phantom ``phantom_dir`` as a prepared SPIDER folder ``out_dir`` (must not exist).

    Args:
        phantom_dir: a built spine_mr phantom.
        out_dir: the new folder.
        n_patients: keep the first patients of each split in this proportion (None: all).

    Returns:
        ``out_dir``.
    """
    phantom_dir, out_dir = Path(phantom_dir), Path(out_dir)
    table = pd.read_excel(phantom_dir / "annotations.xlsx", dtype={"patient_id": str})
    patients = list(dict.fromkeys(table["patient_id"]))
    if n_patients is not None:
        test = [p for p in patients if (table[table.patient_id == p].split == "test").all()]
        train = [p for p in patients if p not in test]
        keep_test = max(2, round(n_patients * len(test) / len(patients)))
        patients = train[:n_patients - keep_test] + test[:keep_test]
    table = table[table["patient_id"].isin(patients)].copy()
    (out_dir / "images").mkdir(parents=True)
    (out_dir / "masks").mkdir()
    for pid in patients:
        for part in ("images", "masks"):
            shutil.copyfile(phantom_dir / part / f"{pid}_t2.mha",
                            out_dir / part / f"{real_id(pid)}_t2.mha")
    first = table.groupby("patient_id", sort=False).first()
    pd.DataFrame({"new_file_name": [f"{real_id(p)}_t2" for p in first.index],
                  "subset": ["training" if s == "train" else "test" for s in first["split"]],
                  "Sex": first["sex"].to_numpy(), "Age": first["age"].to_numpy(),
                  "Manufacturer": "SIEMENS"}).to_csv(out_dir / "overview.csv", index=False)
    gradings = pd.DataFrame({
        "Patient": [real_id(p) for p in table["patient_id"]],
        "IVD label": table["disc_label"].to_numpy() - 200,
        "Modic": 0, "UP endplate": 0, "LOW endplate": 0, "Spondylolisthesis": 0,
        "Disc herniation": 0, "Disc narrowing": table["narrowing"].fillna(0).astype(int).to_numpy(),
        "Disc bulging": 0, "Pfirrman grade": 2 + table["narrowing"].fillna(0).astype(int).to_numpy(),
    })
    gradings.to_csv(out_dir / "radiological_gradings.csv", index=False)
    prepared = table.assign(patient_id=[real_id(p) for p in table["patient_id"]])
    prepared.to_excel(out_dir / "annotations.xlsx", index=False)
    return out_dir
