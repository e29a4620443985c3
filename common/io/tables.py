"""Readers of the tables that come with the course's datasets, each checking its columns and values.

VinDr-CXR boxes, RSNA pneumonia boxes, the spine ``annotations.xlsx``, ``patients.csv`` and
Kaggle's digit-recognizer CSVs.

Tables are read strictly, so that a malformed file fails instead of shifting or guessing:

* no index inference (``index_col=False``): a first data row that ends with a comma cannot turn
  the first column into the index and shift every column by one; a row with more values than
  the header is refused;
* declared dtypes: ids and names are text (``"001"`` stays ``"001"``, ``"NA"`` stays ``"NA"``),
  counts and coordinates are numbers, and a value that is not one is named with its row;
* UTF-8 text (a byte-order mark is fine), comma-separated, one header row without repeated names;
* per table: no NaN or infinity where a number is required, no duplicates where rows must be
  unique, values within their range.

Every reader raises one :class:`~common.errors.DataError` sentence naming the file, the column or
row, and the fix.

Example:
    >>> boxes = read_vindr_boxes(data_root() / "cxr" / "train.csv")
"""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ._guard import first_bad, reading, require_file

__all__ = ["VINDR_COLUMNS", "RSNA_COLUMNS", "ANNOTATION_COLUMNS", "PATIENT_COLUMNS",
           "require_columns", "read_vindr_boxes", "read_rsna_boxes", "read_annotations_xlsx",
           "read_patients_csv", "read_digits_csv"]

VINDR_COLUMNS = ("image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max")
RSNA_COLUMNS = ("patientId", "x", "y", "width", "height", "Target")
ANNOTATION_COLUMNS = ("patient_id", "disc_label", "narrowing")
PATIENT_COLUMNS = ("patient_id", "age", "sex", "label", "split")

#: pandas' default missing-value strings (its ``read_csv`` documentation), applied to the
#: numeric columns only: in a text column ``"NA"`` is an id like any other.
_NA_STRINGS = ("", " ", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
               "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan",
               "null")
_BOX = ["x_min", "y_min", "x_max", "y_max"]
_SPLITS = ("train", "val", "test")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def require_columns(table: pd.DataFrame, columns: tuple[str, ...], name: str) -> pd.DataFrame:
    """Raise :class:`DataError` unless ``table`` has every column in ``columns``.

    Args:
        table: the loaded table.
        columns: the required column names.
        name: the file name, for the message.

    Returns:
        ``table`` itself.

    Raises:
        DataError: naming the missing columns, and a near miss (case or spaces) when the table
            has one.
    """
    missing = [c for c in columns if c not in table.columns]
    if missing:
        near = {str(c).strip().lower(): str(c) for c in table.columns}
        hints = [f"'{near[m.lower()]}'" for m in missing if m.lower() in near]
        hint = f" (found {', '.join(hints)}: fix the spelling, case or spaces)" if hints else ""
        raise DataError(f"{name} is missing the column(s) {', '.join(missing)}{hint}; it needs "
                        f"{', '.join(columns)}.")
    return table


def _header(path: Path) -> list[str]:
    """The column names of a CSV's first line; refuses repeated names and other separators."""
    with reading(path, "table", "save it as comma-separated UTF-8 text"):
        try:
            with path.open(newline="", encoding="utf-8-sig") as file:
                names = next(csv.reader(file), [])
        except UnicodeDecodeError:
            raise DataError(f"The table {path} is not UTF-8 text; save it as comma-separated "
                            f"UTF-8 (e.g. \"CSV UTF-8\" in a spreadsheet).") from None
    if not any(n.strip() for n in names):
        raise DataError(f"The table {path} has no header row; its first line must name the "
                        f"columns, separated by commas.")
    if len(names) == 1:
        for sep, word in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in names[0]:
                raise DataError(f"The table {path} separates its columns with {word}; save it "
                                f"comma-separated.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DataError(f"The table {path} names the column(s) {', '.join(repeated)} more than "
                        f"once; keep one column per name.")
    return names


def _bad_value(path: Path, numbers: dict[str, str]) -> DataError:
    """The sentence for a value pandas could not convert: which column, row and value."""
    raw = pd.read_csv(path, index_col=False, dtype=str, keep_default_na=False, encoding="utf-8")
    for column, dtype in numbers.items():
        if column not in raw.columns:
            continue
        text = raw[column].str.strip()
        missing = text.isin(_NA_STRINGS)
        value = pd.to_numeric(text.where(~missing), errors="coerce")
        k = first_bad(value.isna() & ~missing)
        if k is not None:
            return DataError(f"{path.name}: column {column} holds {raw[column].iloc[k]!r} on row "
                             f"{k + 1}, which is not a number; write plain numbers with a '.' "
                             f"for decimals.")
        if dtype == "int64":
            k = first_bad(missing)
            if k is not None:
                return DataError(f"{path.name}: column {column} is empty on row {k + 1}; it needs "
                                 f"a whole number on every row.")
            k = first_bad((value % 1 != 0) | (value.abs() >= 2 ** 63))
            if k is not None:
                return DataError(f"{path.name}: column {column} holds {raw[column].iloc[k]!r} on "
                                 f"row {k + 1}, which is not a whole number in range; write whole "
                                 f"numbers.")
    return DataError(f"The table {path} cannot be parsed with its declared column types; check "
                     f"that the numeric columns hold plain numbers.")


def _read_csv(path: str | Path, text: tuple[str, ...] = (), numbers: dict[str, str] | None = None
              ) -> pd.DataFrame:
    """Read a CSV strictly: text columns as text (no missing-value guessing), numeric columns
    with the declared dtype, no index inference, a row with extra values refused."""
    path = require_file(path, "table")
    numbers = numbers or {}
    names = _header(path)
    dtype = {**{c: str for c in text}, **{c: t for c, t in numbers.items() if c in names}}
    na_values = {c: list(_NA_STRINGS) for c in names if c not in text}
    with reading(path, "table", "save it as comma-separated UTF-8 text"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)  # values would be dropped
                table = pd.read_csv(path, index_col=False, dtype=dtype, keep_default_na=False,
                                    na_values=na_values, encoding="utf-8")
        except UnicodeDecodeError:
            raise DataError(f"The table {path} is not UTF-8 text; save it as comma-separated "
                            f"UTF-8 (e.g. \"CSV UTF-8\" in a spreadsheet).") from None
        except pd.errors.ParserWarning:
            raise DataError(f"The table {path} has a row with more values than its header has "
                            f"columns; remove the extra values or name the column.") from None
        except pd.errors.ParserError as exc:
            fields = _FIELDS.search(str(exc))
            where = (f": line {fields.group(2)} has {fields.group(3)} values but the header "
                     f"names {fields.group(1)} columns") if fields \
                else f" ({exc.__class__.__name__})"
            raise DataError(f"The table {path} cannot be parsed as CSV{where}; make every row "
                            f"match the header (quote values that contain commas).") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"The table {path} holds no columns; its first line must name the "
                            f"columns, separated by commas.") from None
        except (ValueError, OverflowError, TypeError):
            raise _bad_value(path, numbers) from None
    return table


def _not_empty(table: pd.DataFrame, name: str) -> None:
    if table.empty:
        raise DataError(f"{name} has a header but no rows; fill it in or point the reader at the "
                        f"complete file.")


def _require_text(table: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Every row has a non-empty value in each of ``columns``."""
    for column in columns:
        k = first_bad(table[column].isna() | (table[column].astype(str).str.strip() == ""))
        if k is not None:
            raise DataError(f"{name}: column {column} is empty on row {k + 1}; every row needs "
                            f"a {column}.")


def _require_numbers(table: pd.DataFrame, columns: list[str], name: str,
                     rows: pd.Series | None = None, low: float | None = None,
                     high: float | None = None, whole: bool = False, why: str = "") -> None:
    """The values of ``columns`` (on ``rows``, default all) are finite, whole if asked, within
    ``[low, high]``; NaN is allowed off ``rows``, infinity nowhere."""
    rows = pd.Series(True, index=table.index) if rows is None else rows
    for column in columns:
        values = table[column].to_numpy(dtype=float)
        checks = [
            (rows.to_numpy() & np.isnan(values), "is empty", "it needs a number there"),
            (np.isinf(values), "holds an infinite value", "write a finite number"),
        ]
        if whole:
            finite = np.where(np.isfinite(values), values, 0.0)
            checks.append((np.mod(finite, 1) != 0, "holds a fraction", "it needs a whole number"))
        if low is not None:
            checks.append((values < low, "is below the smallest allowed value "
                           f"{low:g}", "check the value"))
        if high is not None:
            checks.append((values > high, f"is above the largest allowed value {high:g}",
                           "check the value"))
        for bad, what, fix in checks:
            k = first_bad(bad)
            if k is not None:
                value = "" if np.isnan(values[k]) else f" ({values[k]:g})"
                raise DataError(f"{name}: column {column} {what}{value} on row {k + 1}{why}; "
                                f"{fix}.")


def read_vindr_boxes(path: str | Path) -> pd.DataFrame:
    """Read a VinDr-CXR box CSV (``image_id, class_name, class_id, rad_id, x_min..y_max``).

    Args:
        path: the CSV (``train.csv`` of VinDr-CXR, or the phantom's).

    Returns:
        One row per box (or per empty image): ``image_id``, ``class_name``, ``rad_id`` as text,
        ``class_id`` int64, ``x_min..y_max`` float64 in pixels; "No finding" rows keep NaN
        coordinates.

    Raises:
        DataError: when the file is missing, empty or not a strict CSV; a column is missing; an
            image id or class name is empty; a class id is negative or names two classes; a
            finding has no box; a coordinate is infinite or negative; or a box is inverted
            (``x_max < x_min``).
    """
    path = Path(path)
    name = f"{path.name} (VinDr-CXR layout)"
    table = _read_csv(path, ("image_id", "class_name", "rad_id"),
                      {"class_id": "int64", **dict.fromkeys(_BOX, "float64")})
    require_columns(table, VINDR_COLUMNS, name)
    _not_empty(table, name)
    _require_text(table, ("image_id", "class_name"), name)
    table["image_id"] = table["image_id"].astype(str)
    boxed = table["class_name"] != "No finding"
    if table.loc[boxed, _BOX].isna().any().any():
        raise DataError(f"{path.name} has a finding without box coordinates; only "
                        f"'No finding' rows may leave x_min..y_max empty.")
    _require_numbers(table, ["class_id"], name, low=0)
    _require_numbers(table, _BOX, name, rows=boxed, low=0)
    for low, high in (("x_min", "x_max"), ("y_min", "y_max")):
        k = first_bad(table[high] < table[low])
        if k is not None:
            raise DataError(f"{name}: the box on row {k + 1} has {high} {table[high].iloc[k]:g} "
                            f"below {low} {table[low].iloc[k]:g}; boxes are x_min, y_min, "
                            f"x_max, y_max in pixels.")
    ids = table.groupby("class_name")["class_id"].nunique()
    if (ids > 1).any():
        clash = ids[ids > 1].index[0]
        raise DataError(f"{name} gives the class {clash!r} more than one class_id; keep one id "
                        f"per class name.")
    return table


def read_rsna_boxes(path: str | Path) -> pd.DataFrame:
    """Read an RSNA pneumonia CSV (``patientId, x, y, width, height, Target``).

    Args:
        path: the CSV (``stage_2_train_labels.csv`` of the RSNA challenge).

    Returns:
        The rows with ``patientId`` as text, ``x, y, width, height`` float64 and ``Target``
        int64, plus ``x_max = x + width`` and ``y_max = y + height``; rows with ``Target == 0``
        keep NaN coordinates.

    Raises:
        DataError: when the file is missing, empty or not a strict CSV; a column is missing; a
            patient id is empty; ``Target`` is not 0 or 1; or a ``Target == 1`` row lacks a box,
            or has a negative corner or a width or height that is not positive.
    """
    path = Path(path)
    name = f"{path.name} (RSNA layout)"
    table = _read_csv(path, ("patientId",), {"x": "float64", "y": "float64",
                                             "width": "float64", "height": "float64",
                                             "Target": "int64"})
    require_columns(table, RSNA_COLUMNS, name)
    _not_empty(table, name)
    _require_text(table, ("patientId",), name)
    table["patientId"] = table["patientId"].astype(str)
    _require_numbers(table, ["Target"], name, low=0, high=1)
    positive = table["Target"] == 1
    _require_numbers(table, ["x", "y"], name, rows=positive, low=0, why=" (Target 1)")
    _require_numbers(table, ["width", "height"], name, rows=positive, why=" (Target 1)")
    k = first_bad(positive & ((table["width"] <= 0) | (table["height"] <= 0)))
    if k is not None:
        raise DataError(f"{name}: the box on row {k + 1} has a width or height that is not "
                        f"positive; boxes are x, y, width, height in pixels.")
    table["x_max"] = table["x"] + table["width"]
    table["y_max"] = table["y"] + table["height"]
    return table


def read_annotations_xlsx(path: str | Path) -> pd.DataFrame:
    """Read the spine ``annotations.xlsx``: one row per disc (patient_id, disc_label, narrowing).

    Args:
        path: the workbook (first sheet, one header row).

    Returns:
        The sheet with ``patient_id`` as text (``"001"``), ``disc_label`` int64 and
        ``narrowing`` float64 (0 or 1; NaN for the hidden test patients); other columns as
        pandas reads them.

    Raises:
        DataError: when the file is missing or not an ``.xlsx`` workbook; a column is missing or
            repeated; the sheet has no rows; a patient id is empty; a disc label is empty or
            not a whole number; narrowing is not 0, 1 or empty; or a disc is listed twice.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The annotations file {path} does not exist; check the path or run "
                        f"`dlmia data build spine_mr`.")
    path = require_file(path, "annotations file")
    try:
        columns = pd.read_excel(path, engine="openpyxl", nrows=0).columns
        table = pd.read_excel(path, engine="openpyxl", dtype={"patient_id": str},
                              keep_default_na=False,
                              na_values={c: list(_NA_STRINGS) for c in columns
                                         if c != "patient_id"})
    except Exception as exc:
        raise DataError(f"{path.name} cannot be read as an Excel workbook "
                        f"({exc.__class__.__name__}); save it again as .xlsx.") from None
    repeated = [c for c in table.columns
                if re.fullmatch(r"(.+)\.\d+", str(c))
                and re.fullmatch(r"(.+)\.\d+", str(c)).group(1) in table.columns]
    if repeated:
        raise DataError(f"{path.name} repeats the column {str(repeated[0]).rsplit('.', 1)[0]}; "
                        f"keep one column per name.")
    table = require_columns(table, ANNOTATION_COLUMNS, path.name)
    _not_empty(table, path.name)
    _require_text(table, ("patient_id",), path.name)
    table["patient_id"] = table["patient_id"].astype(str)
    for column in ANNOTATION_COLUMNS[1:]:
        converted = pd.to_numeric(table[column], errors="coerce")
        k = first_bad(converted.isna() & table[column].notna())
        if k is not None:
            raise DataError(f"{path.name}: column {column} holds {table[column].iloc[k]!r} on row "
                            f"{k + 1}, which is not a number; write plain numbers.")
        table[column] = converted
    _require_numbers(table, ["disc_label"], path.name, whole=True)
    table["disc_label"] = table["disc_label"].astype(np.int64)
    narrowing = table["narrowing"].astype(np.float64)
    k = first_bad(narrowing.notna() & ~narrowing.isin([0.0, 1.0]))
    if k is not None:
        raise DataError(f"{path.name}: narrowing is {narrowing.iloc[k]:g} on row {k + 1}; it must "
                        f"be 0 or 1 (or empty for a hidden test patient).")
    table["narrowing"] = narrowing
    twice = table.duplicated(["patient_id", "disc_label"])
    if twice.any():
        k = first_bad(twice)
        raise DataError(f"{path.name} lists disc {table['disc_label'].iloc[k]} of patient "
                        f"{table['patient_id'].iloc[k]} more than once (row {k + 1}); keep one row "
                        f"per disc.")
    return table


def read_patients_csv(path: str | Path) -> pd.DataFrame:
    """Read ``patients.csv`` (``patient_id, age, sex, label, split``) and check its values.

    Args:
        path: the table.

    Returns:
        The rows with ``patient_id``, ``sex`` and ``split`` as text, ``age`` int64 (years) and
        ``label`` float64 (a class index; NaN on the test split when its labels are withheld).

    Raises:
        DataError: when the file is missing, empty or not a strict CSV; a column is missing; a
            patient id is empty or repeated; an age is outside 0..150; a label is negative, not
            whole, or empty outside the test split; or a split is not train, val or test.
    """
    path = Path(path)
    table = _read_csv(path, ("patient_id", "sex", "split"), {"age": "int64", "label": "float64"})
    require_columns(table, PATIENT_COLUMNS, path.name)
    _not_empty(table, path.name)
    _require_text(table, ("patient_id", "split"), path.name)
    table["patient_id"] = table["patient_id"].astype(str)
    if table["patient_id"].duplicated().any():
        dup = table.loc[table["patient_id"].duplicated(), "patient_id"].iloc[0]
        raise DataError(f"{path.name} lists patient {dup} more than once; keep one row per "
                        f"patient so that splits stay disjoint.")
    k = first_bad(~table["split"].isin(_SPLITS))
    if k is not None:
        raise DataError(f"{path.name}: split is {table['split'].iloc[k]!r} on row {k + 1}; use "
                        f"train, val or test.")
    _require_numbers(table, ["age"], path.name, low=0, high=150)
    _require_numbers(table, ["label"], path.name, rows=table["split"] != "test", low=0,
                     whole=True, why=" (only test rows may leave the label empty)")
    return table


def read_digits_csv(path: str | Path, labelled: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """Read a Kaggle digit-recognizer CSV: ``label, pixel0 .. pixelN`` (``test.csv``: no label).

    Args:
        path: ``train.csv`` or ``test.csv``.
        labelled: the file must have a ``label`` column (``train.csv``).

    Returns:
        ``(labels, pixels)``: (N,) int64 labels 0..9 (``None`` when not ``labelled``) and (N, P)
        float32 pixel values 0..255, P = side x side, row-major.

    Raises:
        DataError: when the file is missing, empty or not a strict CSV, lacks ``label``, its
            pixel columns are not ``pixel0 .. pixel{P-1}`` of a square image, it has no rows, a
            label is outside 0..9, or a pixel is empty, infinite or outside 0..255.
    """
    path = Path(path)
    names = _header(require_file(path, "table"))
    numbers = {c: "int64" if c == "label" else "float64" for c in names
               if c == "label" or c.startswith("pixel")}
    table = _read_csv(path, (), numbers)
    if labelled and "label" not in table.columns:
        raise DataError(f"{path} has no 'label' column; the first column must be the digit.")
    cols = [c for c in table.columns if str(c).startswith("pixel")]
    side = int(round(len(cols) ** 0.5))
    if not cols or cols != [f"pixel{i}" for i in range(side * side)]:
        raise DataError(f"{path} does not have the columns pixel0 .. pixel{side * side - 1} of a "
                        f"square image; use Kaggle's digit-recognizer CSV layout (label, pixel0, "
                        f"pixel1, ...).")
    _not_empty(table, path.name)
    labels = None
    if labelled:
        _require_numbers(table, ["label"], path.name, low=0, high=9)
        labels = table["label"].to_numpy(np.int64)
    pixels = table[cols].to_numpy(np.float32)
    bad = ~np.isfinite(pixels) | (pixels < 0) | (pixels > 255)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise DataError(f"{path.name}: {cols[col]} is {pixels[row, col]:g} on row {row + 1}; "
                        f"pixels are numbers from 0 to 255.")
    return labels, pixels
