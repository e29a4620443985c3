"""Check a ``ct_volumes`` folder (lab02, lab03) against ``datasets/ct_volumes.md``.

``patients.csv`` (patient_id, age, sex, label, split) and one volume per patient in
``volumes/``: ``<patient_id>.nii.gz`` (or ``.nii``, ``.mha``, ``.mhd``) or a folder
``<patient_id>/`` holding the patient's DICOM series. Every volume must be readable, 3D, and of
one shape; every patient in the table must have exactly one volume and every volume a row.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..io.dicom import read_dicom_series
from ..io.folders import file_stem
from ..io.tables import PATIENT_COLUMNS, read_patients_csv
from ..io.volumes import VOLUME_SUFFIXES, read_volume
from .report import CheckReport, attempt, listed, loose_table, relative, visible_files

__all__ = ["NAME", "check"]

NAME = "ct_volumes"
#: the values the card allows.
LABELS = (0, 1)
SEXES = ("F", "M")
#: files that sit beside a ``.mhd`` and are no volume of their own.
_COMPANIONS = (".raw", ".zraw")
_CARD = "datasets/ct_volumes.md"


def _table(report: CheckReport, folder: Path) -> list[str] | None:
    """The patient ids of ``patients.csv`` (also when the strict reading fails), after checking
    its columns and values; ``None`` when there is no usable id column."""
    path = folder / "patients.csv"
    if not path.is_file():
        report.add(f"patients.csv is missing from {folder}; write it with the columns "
                   f"{', '.join(PATIENT_COLUMNS)} ({_CARD}).")
        return None
    table = attempt(report, read_patients_csv, path)
    if table is None:
        loose = loose_table(path)
        if loose is None or "patient_id" not in loose.columns:
            return None
        return [str(i).strip() for i in loose["patient_id"] if str(i).strip()]
    labelled = table["label"].notna()
    bad = table.index[labelled & ~table["label"].isin(LABELS)]
    if len(bad):
        values = sorted({f"{v:g}" for v in table.loc[bad, "label"]})
        report.add(f"patients.csv: label holds {listed(values)} (rows "
                   f"{listed(int(i) + 1 for i in bad)}) where only 0 and 1 are allowed; use 0/1 "
                   f"labels.")
    sex = table["sex"].fillna("").astype(str).str.strip()
    bad = table.index[~sex.isin(SEXES)]
    if len(bad):
        report.add(f"patients.csv: sex holds {listed(sorted(set(sex[bad])))} (rows "
                   f"{listed(int(i) + 1 for i in bad)}) where only F and M are allowed; write F "
                   f"or M.")
    splits = table["split"].value_counts()
    report.summary["patients"] = len(table)
    for split in ("train", "val", "test"):
        report.summary[split] = int(splits.get(split, 0))
    return table["patient_id"].tolist()


def _volumes(report: CheckReport, folder: Path) -> dict[str, list[Path]]:
    """``{patient id: [volume files and series folders]}`` of ``volumes/``."""
    found: dict[str, list[Path]] = {}
    for path in visible_files(folder):
        if path.is_dir():
            found.setdefault(path.name, []).append(path)
        elif path.name.lower().endswith(VOLUME_SUFFIXES):
            found.setdefault(file_stem(path), []).append(path)
        elif path.suffix.lower() not in _COMPANIONS:
            report.add(f"volumes/{path.name} is neither a volume ({', '.join(VOLUME_SUFFIXES)}) "
                       f"nor a DICOM series folder; move it out of volumes/.")
    return found


def check(folder: Path, quick: bool = False) -> CheckReport:
    """Check a ``ct_volumes`` folder; see the module docstring for what is checked
    (every file is read in full; ``quick`` changes nothing here)."""
    folder = Path(folder)
    report = CheckReport(NAME, folder)
    ids = _table(report, folder)
    volume_dir = folder / "volumes"
    if not volume_dir.is_dir():
        report.add(f"The folder volumes/ is missing from {folder}; put one <patient_id>.nii.gz "
                   f"or one DICOM series folder <patient_id>/ per patient there ({_CARD}).")
        return report
    found = _volumes(report, volume_dir)
    shapes: dict[Path, tuple[int, ...]] = {}
    kinds = Counter()
    for pid, paths in sorted(found.items()):
        if len(paths) > 1:
            report.add(f"Patient {pid} has {len(paths)} volumes "
                       f"({listed(relative(p, folder) for p in paths)}); keep one.")
        for path in paths:
            if path.is_dir():
                kinds["DICOM series"] += 1
                read = attempt(report, read_dicom_series, path)
            else:
                kinds["volume files"] += 1
                read = attempt(report, read_volume, path, ndim=3)
            if read is not None:
                shapes[path] = tuple(np.shape(read[0]))
    if shapes:
        common, count = Counter(shapes.values()).most_common(1)[0]
        for path, shape in shapes.items():
            if shape != common:
                report.add(f"{relative(path, folder)} has shape {shape} where {count} other "
                           f"volume(s) have {common} (D, H, W); resample it to the common shape.")
        report.summary["shape"] = "x".join(str(s) for s in common)
    if not found:
        report.add(f"volumes/ in {folder} holds no volume; put one <patient_id>.nii.gz or one "
                   f"DICOM series folder <patient_id>/ per patient there.")
    if ids is not None:
        for pid in sorted(set(ids) - set(found)):
            report.add(f"Patient {pid} of patients.csv has no volume (volumes/{pid}.nii.gz or "
                       f"the series folder volumes/{pid}/); add it or remove the row.")
        for pid in sorted(set(found) - set(ids)):
            report.add(f"{listed(relative(p, folder) for p in found[pid])} has no row in "
                       f"patients.csv; add the patient to the table or move the volume away.")
    report.summary.update({kind: n for kind, n in sorted(kinds.items())})
    report.layout = " and ".join(("NIfTI/MetaImage volumes" if k == "volume files" else k)
                                 for k in sorted(kinds)) or "no volumes"
    return report
