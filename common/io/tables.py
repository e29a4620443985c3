"""Readers of the tables that come with the course's datasets, each checking its columns.

VinDr-CXR boxes, RSNA pneumonia boxes, the spine ``annotations.xlsx``, ``patients.csv`` and
Kaggle's digit-recognizer CSVs.
Every reader raises one :class:`~common.errors.DataError` sentence naming the missing columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["VINDR_COLUMNS", "RSNA_COLUMNS", "ANNOTATION_COLUMNS", "PATIENT_COLUMNS",
           "require_columns", "read_vindr_boxes", "read_rsna_boxes", "read_annotations_xlsx",
           "read_patients_csv", "read_digits_csv"]

VINDR_COLUMNS = ("image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max")
RSNA_COLUMNS = ("patientId", "x", "y", "width", "height", "Target")
ANNOTATION_COLUMNS = ("patient_id", "disc_label", "narrowing")
PATIENT_COLUMNS = ("patient_id", "age", "sex", "label", "split")


def require_columns(table: pd.DataFrame, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """Raise :class:`DataError` unless ``table`` has every column in ``columns``.

    Args:
        table: the loaded table.
        columns: the required column names.
        name: the file name, for the message.
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(f"{name} is missing the column(s) {', '.join(missing)}; it needs "
                        f"{', '.join(columns)}.")
    return table


def _read_csv(path: str | Path, dtype: dict | None = None) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The table {path} does not exist; check the path or build the data with "
                        f"`dlmia data build`.")
    try:
        return pd.read_csv(path, dtype=dtype)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError):  # EmptyDataError is a ValueError
        raise DataError(f"The table {path} cannot be parsed as CSV; save it as comma-separated "
                        f"UTF-8 text.") from None


def read_vindr_boxes(path: str | Path) -> pd.DataFrame:
    """Read a VinDr-CXR box CSV (``image_id, class_name, class_id, rad_id, x_min..y_max``).

    "No finding" rows keep NaN coordinates. Returns one row per box (or per empty image).
    """
    table = require_columns(_read_csv(path, {"image_id": str}), VINDR_COLUMNS,
                            f"{Path(path).name} (VinDr-CXR layout)")
    table["image_id"] = table["image_id"].astype(str)
    boxed = table["class_name"] != "No finding"
    if table.loc[boxed, ["x_min", "y_min", "x_max", "y_max"]].isna().any().any():
        raise DataError(f"{Path(path).name} has a finding without box coordinates; only "
                        f"'No finding' rows may leave x_min..y_max empty.")
    return table


def read_rsna_boxes(path: str | Path) -> pd.DataFrame:
    """Read an RSNA pneumonia CSV (``patientId, x, y, width, height, Target``).

    Adds ``x_max`` and ``y_max``; rows with ``Target == 0`` keep NaN coordinates.
    """
    table = require_columns(_read_csv(path, {"patientId": str}), RSNA_COLUMNS,
                            f"{Path(path).name} (RSNA layout)")
    table["patientId"] = table["patientId"].astype(str)
    table["x_max"] = table["x"] + table["width"]
    table["y_max"] = table["y"] + table["height"]
    return table


def read_annotations_xlsx(path: str | Path) -> pd.DataFrame:
    """Read the spine ``annotations.xlsx``: one row per disc (patient_id, disc_label, narrowing)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The annotations file {path} does not exist; check the path or run "
                        f"`dlmia data build spine_mr`.")
    try:
        table = pd.read_excel(path, engine="openpyxl", dtype={"patient_id": str})
    except Exception as exc:
        raise DataError(f"{path.name} cannot be read as an Excel workbook "
                        f"({exc.__class__.__name__}); save it again as .xlsx.") from None
    table = require_columns(table, ANNOTATION_COLUMNS, path.name)
    table["patient_id"] = table["patient_id"].astype(str)
    return table


def read_patients_csv(path: str | Path) -> pd.DataFrame:
    """Read ``patients.csv`` (``patient_id, age, sex, label, split``) and check the splits."""
    table = require_columns(_read_csv(path, {"patient_id": str, "sex": str, "split": str}),
                            PATIENT_COLUMNS, Path(path).name)
    table["patient_id"] = table["patient_id"].astype(str)
    if table["patient_id"].duplicated().any():
        dup = table.loc[table["patient_id"].duplicated(), "patient_id"].iloc[0]
        raise DataError(f"{Path(path).name} lists patient {dup} more than once; keep one row per "
                        f"patient so that splits stay disjoint.")
    return table


def read_digits_csv(path: str | Path, labelled: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """Read a Kaggle digit-recognizer CSV: ``label, pixel0 .. pixelN`` (``test.csv``: no label).

    Args:
        path: ``train.csv`` or ``test.csv``.
        labelled: the file must have a ``label`` column (``train.csv``).

    Returns:
        ``(labels, pixels)``: (N,) int64 labels (``None`` when not ``labelled``) and (N, P) float32
        pixel values, P = side x side, row-major.

    Raises:
        DataError: when the file is missing or unreadable, lacks ``label``, or its pixel columns
            are not ``pixel0 .. pixel{P-1}`` of a square image.
    """
    path = Path(path)
    table = _read_csv(path)
    if labelled and "label" not in table.columns:
        raise DataError(f"{path} has no 'label' column; the first column must be the digit.")
    cols = [c for c in table.columns if str(c).startswith("pixel")]
    side = int(round(len(cols) ** 0.5))
    if not cols or cols != [f"pixel{i}" for i in range(side * side)]:
        raise DataError(f"{path} does not have the columns pixel0 .. pixel{side * side - 1} of a "
                        f"square image; use Kaggle's digit-recognizer CSV layout (label, pixel0, "
                        f"pixel1, ...).")
    labels = table["label"].to_numpy(np.int64) if labelled else None
    return labels, table[cols].to_numpy(np.float32)
