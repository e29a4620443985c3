"""Declared CSV schemas and a validator that reports every problem in one clear sentence each.

Example:
    >>> schema = Schema(id_column="ImageId", columns=[
    ...     Column("ImageId", "int"), Column("Label", "int", minimum=0, maximum=9)])
    >>> problems = validate_csv("submission.csv", schema, expected_ids=range(1, 361))
    >>> problems  # [] when the file is valid
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = ["Column", "Schema", "read_submission", "validate_frame", "validate_csv"]


@dataclass(frozen=True)
class Column:
    """One column of a submission CSV.

    Args:
        name: exact header name.
        kind: ``"int"``, ``"float"`` or ``"str"``.
        minimum, maximum: inclusive bounds for numbers (``None`` for unbounded).
        allowed: a closed set of values, if any.
        nullable: True when empty cells are allowed (e.g. no prediction).
    """

    name: str
    kind: str = "str"
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple | None = None
    nullable: bool = False


@dataclass(frozen=True)
class Schema:
    """A submission's columns, its id column, and extra per-row checks.

    ``row_check(value_by_column) -> str | None`` returns a problem description for a row, or None.
    """

    id_column: str
    columns: Sequence[Column]
    row_check: Callable[[dict], str | None] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def read_submission(path: Path | str) -> tuple[pd.DataFrame | None, list[str]]:
    """Read a CSV as strings; return ``(frame, [])`` or ``(None, [one problem])``."""
    path = Path(path)
    if not path.exists():
        return None, [f"The file {path} does not exist; check the path you submitted."]
    if path.is_dir():
        return None, [f"{path} is a folder, not a CSV file; submit the CSV file itself."]
    raw = path.read_bytes()
    if not raw.strip():
        return None, [f"The file {path.name} is empty; write the header and one row per id."]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [
            f"The file {path.name} is not UTF-8 text (is it an Excel or binary file?); save it as "
            f"a plain UTF-8 CSV."
        ]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown reason"
        return None, [
            f"The file {path.name} could not be parsed as CSV ({reason}); check that every row "
            f"has the same number of commas as the header."
        ]
    return frame, []


def _as_numbers(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Return (numbers, bad_mask) for a string column."""
    stripped = values.str.strip()
    nums = pd.to_numeric(stripped, errors="coerce")
    bad = nums.isna() | ~np.isfinite(nums.astype(float))
    if kind == "int":
        bad |= (nums % 1 != 0).fillna(True)
    return nums, bad


def _natural(value: str):
    """Sort key that puts "2" before "10"."""
    return (0, float(value), value) if value.lstrip("-").replace(".", "", 1).isdigit() else (1, 0.0, value)


def _examples(items: Iterable, limit: int = 3) -> str:
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def validate_frame(frame: pd.DataFrame, schema: Schema,
                   expected_ids: Iterable | None = None, name: str = "the submission") -> list[str]:
    """Check a frame (all cells as strings) against a schema; return a list of problems.

    Args:
        frame: the CSV read with ``dtype=str``.
        schema: the declared schema.
        expected_ids: the ids the submission must cover exactly (``None`` skips that check).
        name: the file's name, used in messages.

    Returns:
        One sentence per problem; empty when the file is valid.
    """
    problems: list[str] = []
    header = [str(c).strip() for c in frame.columns]
    frame = frame.copy()
    frame.columns = header
    missing = [c for c in schema.names if c not in header]
    extra = [c for c in header if c not in schema.names]
    if missing:
        problems.append(
            f"{name} is missing the column(s) {_examples(missing, 10)}; the header must be "
            f"exactly: {','.join(schema.names)}."
        )
    if extra:
        problems.append(
            f"{name} has unexpected column(s) {_examples(extra, 10)}; remove them (the header "
            f"must be exactly: {','.join(schema.names)})."
        )
    if len(set(header)) != len(header):
        problems.append(f"{name} repeats a column name in its header; keep each column once.")
    if missing or len(set(header)) != len(header):
        return problems
    if len(frame) == 0:
        return problems + [f"{name} has a header but no rows; write one row per id."]

    bad_rows: set[int] = set()
    for col in schema.columns:
        values = frame[col.name].astype(str)
        empty = values.str.strip().isin(["", "nan", "NaN", "NA", "None", "null"])
        if empty.any() and not col.nullable:
            rows = (frame.index[empty] + 2).tolist()
            problems.append(
                f"Column {col.name} is empty or NaN on line(s) {_examples(rows)}; every row "
                f"needs a value there."
            )
            bad_rows.update(frame.index[empty])
        present = ~empty
        if col.kind in ("int", "float"):
            nums, bad = _as_numbers(values[present], col.kind)
            if bad.any():
                rows = (bad.index[bad] + 2).tolist()
                kind = "a whole number" if col.kind == "int" else "a number"
                shown = _examples(values[present][bad].tolist())
                problems.append(
                    f"Column {col.name} must hold {kind} but has {shown} on line(s) "
                    f"{_examples(rows)}."
                )
                bad_rows.update(bad.index[bad])
            good = nums[~bad]
            low = good < col.minimum if col.minimum is not None else good < -np.inf
            high = good > col.maximum if col.maximum is not None else good > np.inf
            out = low | high
            if out.any():
                rows = (out.index[out] + 2).tolist()
                problems.append(
                    f"Column {col.name} has value(s) {_examples(good[out].tolist())} outside the "
                    f"range [{col.minimum}, {col.maximum}] on line(s) {_examples(rows)}."
                )
        if col.allowed is not None:
            outside = present & ~values.str.strip().isin([str(a) for a in col.allowed])
            if outside.any():
                problems.append(
                    f"Column {col.name} has value(s) {_examples(values[outside].unique())} that are "
                    f"not among the allowed {_examples(col.allowed, 10)}."
                )

    ids = frame[schema.id_column].astype(str).str.strip()
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        problems.append(
            f"{name} lists id(s) {_examples(dup)} more than once; keep one row per "
            f"{schema.id_column}."
        )
    if expected_ids is not None:
        expected = {str(i) for i in expected_ids}
        seen = set(ids)
        unknown = sorted(seen - expected, key=_natural)
        absent = sorted(expected - seen, key=_natural)
        if unknown:
            problems.append(
                f"{name} has {len(unknown)} unknown {schema.id_column}(s) such as "
                f"{_examples(unknown)}; predict only the ids of the test split."
            )
        if absent:
            problems.append(
                f"{name} is missing {len(absent)} {schema.id_column}(s) of the test split such as "
                f"{_examples(absent)}; write one row for every test id."
            )
    if schema.row_check is not None:
        row_problems = []
        for idx, row in frame.iterrows():
            if idx in bad_rows:
                continue
            msg = schema.row_check({k: str(v) for k, v in row.items()})
            if msg:
                row_problems.append((idx + 2, msg))
        for line, msg in row_problems[:5]:
            problems.append(f"Line {line}: {msg}")
        if len(row_problems) > 5:
            problems.append(f"... and {len(row_problems) - 5} more line(s) with the same kind of problem.")
    return problems


def validate_csv(path: Path | str, schema: Schema, expected_ids: Iterable | None = None) -> list[str]:
    """Read and validate a submission file; return a list of problems (empty when valid)."""
    frame, problems = read_submission(path)
    if frame is None:
        return problems
    return validate_frame(frame, schema, expected_ids, name=Path(path).name)
