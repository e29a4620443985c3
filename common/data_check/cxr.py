"""Check a ``cxr`` folder (lab05) against ``datasets/cxr.md``: the VinDr-CXR layout (which the
phantom uses too) or the RSNA pneumonia layout.

* VinDr-CXR: ``train.csv`` (image_id, class_name, class_id, rad_id, x_min, y_min, x_max, y_max;
  the 14 VinDr classes with their ids, and ``No finding`` = 14 with empty boxes) and
  ``train/<image_id>.dicom``; ``test/`` optional.
* RSNA: ``stage_2_train_labels.csv`` (patientId, x, y, width, height, Target; empty boxes on
  Target 0 rows) and ``stage_2_train_images/<patientId>.dcm``; ``stage_2_test_images/``
  optional.

Every DICOM must decode through :func:`common.io.read_dicom`; every image in the table must have
its file and every file its rows; every box must lie inside its image.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.dicom import DICOM_SUFFIXES, list_dicom_files, read_dicom, read_dicom_image_header
from ..io.tables import RSNA_COLUMNS, VINDR_COLUMNS, read_rsna_boxes, read_vindr_boxes
from .report import CheckReport, attempt, listed, loose_table, relative

__all__ = ["NAME", "VINDR_CLASSES", "check"]

NAME = "cxr"
#: VinDr-CXR's classes: name -> class_id (``No finding`` is 14).
VINDR_CLASSES = {
    "Aortic enlargement": 0, "Atelectasis": 1, "Calcification": 2, "Cardiomegaly": 3,
    "Consolidation": 4, "ILD": 5, "Infiltration": 6, "Lung Opacity": 7, "Nodule/Mass": 8,
    "Other lesion": 9, "Pleural effusion": 10, "Pleural thickening": 11, "Pneumothorax": 12,
    "Pulmonary fibrosis": 13, "No finding": 14,
}
_VINDR = {"table": "train.csv", "images": "train", "test": "test", "id": "image_id",
          "columns": VINDR_COLUMNS, "reader": read_vindr_boxes}
_RSNA = {"table": "stage_2_train_labels.csv", "images": "stage_2_train_images",
         "test": "stage_2_test_images", "id": "patientId", "columns": RSNA_COLUMNS,
         "reader": read_rsna_boxes}
_BOX = ["x_min", "y_min", "x_max", "y_max"]


def _rows(rows) -> str:
    return ("row " if len(rows) == 1 else "rows ") + listed(int(i) + 1 for i in rows)


def _vindr_values(report: CheckReport, table: pd.DataFrame, name: str) -> None:
    """Class names and ids from VinDr's list, empty boxes exactly on ``No finding`` rows."""
    known = table["class_name"].map(VINDR_CLASSES)
    unknown = table.index[known.isna()]
    if len(unknown):
        report.add(f"{name}: class_name holds {listed(sorted(set(table.loc[unknown, 'class_name'])))}"
                   f" ({_rows(unknown)}), which is not a VinDr-CXR "
                   f"class; use the 14 VinDr class names or 'No finding'.")
    clash = table.index[known.notna() & (known != table["class_id"])]
    if len(clash):
        pairs = sorted({f"{n!r} = {i}" for n, i in table.loc[clash, ["class_name", "class_id"]]
                        .itertuples(index=False)})
        report.add(f"{name}: class_id does not match VinDr-CXR's id for {listed(pairs)} "
                   f"({_rows(clash)}); use VinDr's ids (Lung Opacity 7, Nodule/Mass "
                   f"8, No finding 14, ...).")
    empty = table["class_name"] == "No finding"
    boxed = table.index[empty & table[_BOX].notna().any(axis=1)]
    if len(boxed):
        report.add(f"{name}: 'No finding' rows carry box coordinates ({_rows(boxed)} of the "
                   f"file); leave x_min..y_max empty on them.")


def _rsna_values(report: CheckReport, table: pd.DataFrame, name: str) -> None:
    """Empty boxes on ``Target`` 0 rows, and one Target per patient."""
    negative = table["Target"] == 0
    boxed = table.index[negative & table[["x", "y", "width", "height"]].notna().any(axis=1)]
    if len(boxed):
        report.add(f"{name}: Target 0 rows carry box coordinates ({_rows(boxed)}); "
                   f"leave x, y, width, height empty on them.")
    mixed = table.groupby("patientId")["Target"].nunique()
    mixed = sorted(mixed.index[mixed > 1])
    if mixed:
        report.add(f"{name} gives patient(s) {listed(mixed)} both Target 0 and Target 1 rows; a "
                   f"patient either has boxes (Target 1) or one Target 0 row.")


def _images(report: CheckReport, folder: Path, sub: str, required: bool,
            patients: set[str], quick: bool = False) -> dict[str, tuple[Path, tuple[int, ...] | None]]:
    """``{image id: (file, image shape or None)}`` of a folder of DICOMs, each one decoded."""
    images = folder / sub
    if not images.is_dir():
        if required:
            report.add(f"The image folder {sub}/ is missing from {folder}; put the DICOM files "
                       f"there (datasets/cxr.md).")
        return {}
    found: dict[str, tuple[Path, tuple[int, ...] | None]] = {}
    for path in list_dicom_files(images):
        if path.stem in found:
            report.add(f"{relative(found[path.stem][0], folder)} and {path.name} share the image "
                       f"id {path.stem}; keep one file per image.")
            continue
        shape = None
        if quick:
            header = attempt(report, read_dicom_image_header, path)
            if header is not None:
                frames = int(header.get("NumberOfFrames", 1) or 1)
                shape = (int(header.Rows), int(header.Columns))
                shape = (frames, *shape) if frames > 1 else shape
                patients.add(str(header.get("PatientID", "")))
        else:
            read = attempt(report, read_dicom, path)
            if read is not None:
                shape = read[0].shape
                patients.add(read[1]["patient_id"])
        if shape is not None and len(shape) != 2:
            report.add(f"{relative(path, folder)} holds {shape[0]} frames; a radiograph is one "
                       f"2D image, keep one image per file.")
            shape = None
        found[path.stem] = (path, shape)
    if not found and required:
        report.add(f"{sub}/ in {folder} holds no DICOM file ({', '.join(DICOM_SUFFIXES)}); put "
                   f"the images there.")
    return found


def _outside(table: pd.DataFrame, ids: str, files: dict) -> list[int]:
    """Rows whose box reaches beyond its image (pixels of the stored image)."""
    bad = []
    for row, image_id, x_max, y_max in table[[ids, "x_max", "y_max"]].itertuples():
        shape = files.get(str(image_id), (None, None))[1]
        if shape is not None and np.isfinite(x_max) and (x_max > shape[1] or y_max > shape[0]):
            bad.append(row)
    return bad


def check(folder: Path, quick: bool = False) -> CheckReport:
    """Check a ``cxr`` folder; see the module docstring for what is checked.

    ``quick`` checks each DICOM from its header (:func:`common.io.read_dicom_image_header`:
    decodable here, complete, the size of its boxes' image) without decoding its pixels: about
    a hundred times faster on full-size radiographs, blind only to damaged compressed data.
    """
    folder = Path(folder)
    report = CheckReport(NAME, folder)
    if (folder / _RSNA["table"]).is_file() or (folder / _RSNA["images"]).is_dir():
        spec, report.layout = _RSNA, "RSNA pneumonia"
    else:
        spec, report.layout = _VINDR, "VinDr-CXR"
        if (folder / ".dlmia-phantom.json").is_file():
            report.layout += ", phantom build"
    table_path = folder / spec["table"]
    table, ids = None, None
    if not table_path.is_file():
        report.add(f"The box table {spec['table']} is missing from {folder}; it needs the columns "
                   f"{', '.join(spec['columns'])} (datasets/cxr.md).")
    else:
        table = attempt(report, spec["reader"], table_path)
        if table is not None:
            ids = set(table[spec["id"]])
            name = f"{spec['table']}"
            (_vindr_values if spec is _VINDR else _rsna_values)(report, table, name)
        else:
            loose = loose_table(table_path)
            if loose is not None and spec["id"] in loose.columns:
                ids = {str(i).strip() for i in loose[spec["id"]] if str(i).strip()}
    patients: set[str] = set()
    files = _images(report, folder, spec["images"], True, patients, quick)
    tests = _images(report, folder, spec["test"], False, patients, quick)
    if quick:
        report.layout += ", DICOM headers only"
    if ids is not None:
        for image_id in sorted(ids - set(files)):
            report.add(f"Image {image_id} of {spec['table']} has no file "
                       f"({spec['images']}/{image_id}{'.dicom' if spec is _VINDR else '.dcm'}); "
                       f"add it or remove its rows.")
        for image_id in sorted(set(files) - ids):
            report.add(f"{relative(files[image_id][0], folder)} has no row in {spec['table']}; "
                       f"add its rows (a '{'No finding' if spec is _VINDR else 'Target 0'}' row "
                       f"if it has no box) or move the file away.")
    if table is not None:
        outside = _outside(table, spec["id"], files)
        if outside:
            report.add(f"{spec['table']}: boxes reach beyond their image ({_rows(outside)} of the "
                       f"file, e.g. image {table.loc[outside[0], spec['id']]}); boxes are pixels "
                       f"of the stored image.")
        if spec is _VINDR:
            report.summary["boxes"] = int((table["class_name"] != "No finding").sum())
            classes = Counter(table.loc[table["class_name"] != "No finding", "class_name"])
            report.summary["classes"] = len(classes)
        else:
            report.summary["boxes"] = int((table["Target"] == 1).sum())
    report.summary["patients (PatientID)"] = len(patients - {""})
    report.summary[f"{spec['images']} images"] = len(files)
    if tests:
        report.summary[f"{spec['test']} images"] = len(tests)
    return report
