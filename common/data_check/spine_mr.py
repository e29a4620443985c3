"""Check a ``spine_mr`` folder (lab06) against ``datasets/spine_mr.md``: the SPIDER layout.

``images/<id>_<sequence>.mha`` and ``masks/<id>_<sequence>.mha`` (same name, same grid), mask
labels in the SPIDER convention (vertebrae 1–25, spinal canal 100, discs 201–225). Tables are
optional and checked when present: ``annotations.xlsx`` (patient_id, disc_label, narrowing; its
patients must have images and its discs must be in their masks), the phantom's
``ground_truth.csv`` (patient_id, disc_label), and any other ``.csv`` (SPIDER's
``overview.csv``, ``radiological_gradings.csv``) must at least read as a table.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..io.folders import file_stem
from ..io.tables import read_annotations_xlsx
from ..io.volumes import VOLUME_SUFFIXES, read_label_mask, read_volume
from .report import (CheckReport, attempt, grid_difference, listed, loose_table, visible_files)

__all__ = ["NAME", "LABELS", "DISC_LABELS", "check"]

NAME = "spine_mr"
VERTEBRA_LABELS = frozenset(range(1, 26))
CANAL_LABEL = 100
DISC_LABELS = frozenset(range(201, 226))
#: every label a SPIDER mask may hold, background included.
LABELS = frozenset({0, CANAL_LABEL} | VERTEBRA_LABELS | DISC_LABELS)
_CARD = "datasets/spine_mr.md"


def patient_of(path: Path) -> str:
    """The patient id of a SPIDER file name: ``001_t2.mha`` -> ``001``."""
    return file_stem(path).split("_", 1)[0]


def _volumes(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in visible_files(folder)
            if p.is_file() and p.name.lower().endswith(VOLUME_SUFFIXES)}


def _annotations(report: CheckReport, folder: Path, patients: set[str],
                 discs: dict[str, set[int]]) -> None:
    path = folder / "annotations.xlsx"
    table = attempt(report, read_annotations_xlsx, path)
    if table is None:
        return
    report.summary["annotated discs"] = len(table)
    outside = table.index[~table["disc_label"].isin(DISC_LABELS)]
    if len(outside):
        report.add(f"annotations.xlsx: disc_label holds "
                   f"{listed(sorted(set(table.loc[outside, 'disc_label'])))} (rows "
                   f"{listed(int(i) + 1 for i in outside)}), outside the SPIDER disc labels "
                   f"201–225; use the disc's mask label.")
    listed_ids = set(table["patient_id"])
    for pid in sorted(listed_ids - patients):
        report.add(f"Patient {pid} of annotations.xlsx has no image in images/ ({pid}_t2.mha); "
                   f"add it or remove the patient's rows.")
    for pid in sorted(patients - listed_ids):
        report.add(f"Patient {pid} (images/{pid}_*.mha) has no row in annotations.xlsx; add its "
                   f"discs or move its files away.")
    missing = [f"{pid}/{label}" for pid, label in table[["patient_id", "disc_label"]]
               .itertuples(index=False)
               if pid in discs and label in DISC_LABELS and label not in discs[pid]]
    if missing:
        report.add(f"annotations.xlsx lists discs that no mask of their patient holds "
                   f"(patient/label: {listed(missing)}); check the disc labels against the "
                   f"masks/.")


def _csv_tables(report: CheckReport, folder: Path, patients: set[str]) -> None:
    for path in sorted(folder.glob("*.csv")):
        table = loose_table(path)
        if table is None:
            report.add(f"The table {path.name} in {folder} cannot be read as a CSV; save it as "
                       f"comma-separated UTF-8 text or move it away.")
            continue
        report.summary[path.name] = f"{len(table)} rows"
        if path.name != "ground_truth.csv":
            continue
        missing = [c for c in ("patient_id", "disc_label") if c not in table.columns]
        if missing:
            report.add(f"ground_truth.csv is missing the column(s) {', '.join(missing)}; it needs "
                       f"patient_id, disc_label and the disc's geometry ({_CARD}).")
            continue
        unknown = sorted(set(table["patient_id"].str.strip()) - patients)
        if unknown:
            report.add(f"ground_truth.csv lists patient(s) {listed(unknown)} with no image in "
                       f"images/; add the images or remove the rows.")


def check(folder: Path, quick: bool = False) -> CheckReport:
    """Check a ``spine_mr`` folder; see the module docstring for what is checked
    (every file is read in full; ``quick`` changes nothing here)."""
    folder = Path(folder)
    report = CheckReport(NAME, folder, layout="SPIDER")
    for sub in ("images", "masks"):
        if not (folder / sub).is_dir():
            report.add(f"The folder {sub}/ is missing from {folder}; put SPIDER's {sub}/ "
                       f"(<id>_t2.mha files) there ({_CARD}).")
    images, masks = _volumes(folder / "images"), _volumes(folder / "masks")
    if (folder / "images").is_dir() and not images:
        report.add(f"images/ in {folder} holds no .mha (or NIfTI) volume; put SPIDER's images "
                   f"there.")
    for name in sorted(set(masks) - set(images)):
        report.add(f"masks/{name} has no image (images/{name}); add the image or remove the "
                   f"mask.")
    discs: dict[str, set[int]] = {}
    labels_seen: set[int] = set()
    sequences = Counter()
    for name, image_path in sorted(images.items()):
        sequences[file_stem(image_path).partition("_")[2] or "(none)"] += 1
        image = attempt(report, read_volume, image_path)
        if name not in masks:
            report.add(f"images/{name} has no mask (masks/{name}); add it or move the image "
                       f"away.")
            continue
        mask = attempt(report, read_label_mask, masks[name], labels=set(LABELS))
        if mask is None:
            continue
        values = set(np.unique(mask[0]).tolist())
        labels_seen |= values
        discs.setdefault(patient_of(image_path), set()).update(values & DISC_LABELS)
        if image is None:
            continue
        if image[0].shape != mask[0].shape:
            report.add(f"masks/{name} has shape {mask[0].shape} but images/{name} "
                       f"{image[0].shape} (D, H, W); use the mask made on this image.")
        else:
            problem = grid_difference(image[1], mask[1])
            if problem:
                report.add(f"masks/{name} has {problem}; the mask must lie on its image's grid "
                           f"(resample it, or copy the image's geometry).")
    patients = {patient_of(p) for p in images.values()}
    report.summary["patients"] = len(patients)
    report.summary["series"] = len(images)
    report.summary["masks"] = len(masks)
    report.summary["sequences"] = ", ".join(f"{k} {v}" for k, v in sorted(sequences.items()))
    report.summary["labels"] = (f"{len(labels_seen & VERTEBRA_LABELS)} vertebrae, "
                                f"{len(labels_seen & DISC_LABELS)} discs, "
                                f"canal {'yes' if CANAL_LABEL in labels_seen else 'no'}")
    if (folder / "annotations.xlsx").exists():
        _annotations(report, folder, patients, discs)
    else:   # optional here: a SPIDER download has none until it is built from the gradings
        report.summary["annotations.xlsx"] = "absent (lab06 needs it, see the card)"
    _csv_tables(report, folder, patients)
    return report
