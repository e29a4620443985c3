"""Declared CSV schemas, and the check that turns a table of strings into typed columns.

A file is read by :func:`common.submissions.reader.read_csv_table` (every cell a stripped string)
and checked here against its :class:`Schema`; the same two steps serve validation, scoring and the
leaderboard, so they cannot disagree about a file.

**Values.** Spaces around a cell are ignored everywhere.

- ``int``: ASCII digits with an optional leading minus, at most 18 digits (``3``, ``-2``,
  ``007``). ``3.0``, ``1e0``, ``+3``, ``0x3``, ``1_000`` and non-ASCII digits are refused, naming
  the line: a whole number is written as one.
- ``float``: a finite decimal number, ``[-]digits[.digits][e[+-]digits]`` (``0.25``, ``.5``,
  ``-1e-3``). ``nan``, ``inf``, ``0x3``, ``1_000`` and numbers too large for a float are refused.
- ``str``: any text. Ids are compared as text (an ``int`` id by its value, so ``007`` is 7).
- A cell that is empty or a NaN marker (``nan``, ``NA``, ``None``, ``null``...) is refused unless
  the column is ``nullable``; in a nullable column only the empty cell means "nothing".

Example:
    >>> schema = Schema(id_column="ImageId", columns=[
    ...     Column("ImageId", "int"), Column("Label", "int", minimum=0, maximum=9)])
    >>> problems = validate_csv("submission.csv", schema, expected_ids=range(1, 361))
    >>> problems  # [] when the file is valid
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import SubmissionError
from .reader import CsvTable, ReadLimits, read_csv_table

__all__ = ["Column", "Schema", "RowCheck", "parse_int", "parse_float", "canonical_id",
           "check_table", "read_submission", "validate_frame", "validate_csv", "NA_MARKERS"]

#: a row check: ``check(value_by_column) -> problem sentence or None``.
RowCheck = Callable[[dict], "str | None"]

#: cell texts that mean "no value".
NA_MARKERS = frozenset({"", "nan", "NaN", "NAN", "NA", "N/A", "<NA>", "None", "none", "null",
                        "NULL"})
_INT = re.compile(r"-?[0-9]{1,18}")
_FLOAT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: problems of one kind listed before "... and N more".
_MAX_ROW_PROBLEMS = 5


@dataclass(frozen=True)
class Column:
    """One column of a submission CSV.

    Args:
        name: exact header name.
        kind: ``"int"``, ``"float"`` or ``"str"`` (see the module's rules).
        minimum, maximum: inclusive bounds for numbers (``None`` for unbounded).
        allowed: a closed set of values, if any.
        nullable: True when an empty cell is allowed (e.g. no prediction).
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

    Args:
        id_column: the column that names the scored item.
        columns: the declared columns (the header holds exactly these, in any order).
        row_check: ``check(value_by_column) -> str | None`` run on every row whose cells passed
            the column checks; returns a problem sentence or None.
        make_row_check: a factory called once per file that returns such a check (for checks
            that first read something, such as an answer key's image size).
        description: one line per column, for students.
        extra: anything else a lab wants to keep with its schema.
    """

    id_column: str
    columns: Sequence[Column]
    row_check: RowCheck | None = None
    make_row_check: Callable[[], RowCheck] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The declared column names, in order."""
        return [c.name for c in self.columns]


def parse_int(text: str) -> int | None:
    """The integer a cell holds under the module's rules, or None (``"3.0"`` -> None)."""
    text = text.strip()
    return int(text) if _INT.fullmatch(text) else None


def parse_float(text: str) -> float | None:
    """The finite number a cell holds under the module's rules, or None (``"nan"`` -> None)."""
    text = text.strip()
    if not _FLOAT.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def canonical_id(value) -> str:
    """An id as the checks compare it: a whole number as its digits, other values stripped text.

    Example:
        >>> canonical_id(7), canonical_id(np.int64(7)), canonical_id(7.0), canonical_id(" P01 ")
        ('7', '7', '7', 'P01')
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _show(value, width: int = 30) -> str:
    text = str(value)
    return repr(text if len(text) <= width else text[:width] + "...")


def _examples(items: Iterable, limit: int = 3, show=str) -> str:
    items = list(items)
    shown = ", ".join(show(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _natural(value: str):
    """Sort key that puts "2" before "10"."""
    return (0, int(value), value) if _INT.fullmatch(value) else (1, 0, value)


def _bounds(col: Column) -> str:
    low = "-inf" if col.minimum is None else f"{col.minimum:g}"
    high = "inf" if col.maximum is None else f"{col.maximum:g}"
    return f"[{low}, {high}]"


_HOW = {"int": ("a whole number", "write digits only, e.g. 3 (not 3.0, 1e0 or +3)"),
        "float": ("a number", "write a finite decimal number such as 0.25 or 1e-3 (not nan or inf)")}


def _header_problems(header: Sequence[str], schema: Schema, name: str) -> list[str]:
    problems = []
    exact = ",".join(schema.names)
    if "" in header:
        problems.append(f"The header of {name} has an unnamed column (a trailing comma, or a saved "
                        f"index?); the header must be exactly: {exact}.")
    missing = [c for c in schema.names if c not in header]
    extra = [c for c in header if c and c not in schema.names]
    if missing:
        problems.append(f"{name} is missing the column(s) {_examples(missing, 10)}; the header must "
                        f"be exactly: {exact}.")
    if extra:
        problems.append(f"{name} has unexpected column(s) {_examples(extra, 10)}; remove them (the "
                        f"header must be exactly: {exact}).")
    if len(set(header)) != len(header):
        problems.append(f"{name} repeats a column name in its header; keep each column once.")
    return problems


def _column(values: list[str], lines: list[int], col: Column, bad: set[int],
            name: str) -> tuple[list, list[str]]:
    """Typed values of one column and its problems; indices of bad rows are added to ``bad``."""
    problems, typed = [], []
    empty, malformed, outside, disallowed = [], [], [], []
    allowed = None if col.allowed is None else {canonical_id(a) for a in col.allowed}
    for i, text in enumerate(values):
        if col.nullable and text == "":
            typed.append("" if col.kind == "str" else None)
            continue
        if text in NA_MARKERS and not (col.nullable and col.kind == "str"):
            if not col.nullable:
                empty.append(i)
            typed.append(None)
            continue
        value = text
        if col.kind == "int":
            value = parse_int(text)
        elif col.kind == "float":
            value = parse_float(text)
        if value is None:
            malformed.append(i)
        elif col.kind != "str" and ((col.minimum is not None and value < col.minimum)
                                     or (col.maximum is not None and value > col.maximum)):
            outside.append(i)
        elif allowed is not None and canonical_id(value) not in allowed:
            disallowed.append(i)
        typed.append(value)
    if empty:
        problems.append(f"Column {col.name} of {name} is empty or NaN on line(s) "
                        f"{_examples(lines[i] for i in empty)}; every row needs a value there.")
    if malformed:
        kind, how = _HOW[col.kind]
        problems.append(f"Column {col.name} of {name} must hold {kind} but has "
                        f"{_examples([values[i] for i in malformed], show=_show)} on line(s) "
                        f"{_examples(lines[i] for i in malformed)}; {how}.")
    if outside:
        problems.append(f"Column {col.name} of {name} has value(s) "
                        f"{_examples([values[i] for i in outside], show=_show)} outside the range "
                        f"{_bounds(col)} on line(s) {_examples(lines[i] for i in outside)}.")
    if disallowed:
        shown = _examples(dict.fromkeys(values[i] for i in disallowed), show=_show)
        problems.append(f"Column {col.name} of {name} has value(s) {shown} that are not among the "
                        f"allowed {_examples(col.allowed, 10)}.")
    bad.update(empty + malformed + outside + disallowed)
    return typed, problems


def _id_problems(ids: list[str | None], schema: Schema, expected_ids: Iterable | None,
                 name: str) -> list[str]:
    problems = []
    present = [i for i in ids if i is not None]
    seen: set[str] = set()
    dup = list(dict.fromkeys(i for i in present if i in seen or seen.add(i)))
    if dup:
        problems.append(f"{name} lists id(s) {_examples(dup, show=_show)} more than once; keep one "
                        f"row per {schema.id_column}.")
    if expected_ids is not None:
        expected = {canonical_id(i) for i in expected_ids}
        unknown = sorted(seen - expected, key=_natural)
        absent = sorted(expected - seen, key=_natural)
        if unknown:
            problems.append(f"{name} has {len(unknown)} unknown {schema.id_column}(s) such as "
                            f"{_examples(unknown, show=_show)}; predict only the ids of the test "
                            f"split.")
        if absent:
            problems.append(f"{name} is missing {len(absent)} {schema.id_column}(s) of the test split "
                            f"such as {_examples(absent)}; write one row for every test id.")
    return problems


def _row_problems(table: CsvTable, schema: Schema, bad: set[int]) -> list[str]:
    check = schema.make_row_check() if schema.make_row_check is not None else schema.row_check
    if check is None:
        return []
    found = []
    for i, (cells, line) in enumerate(zip(table.rows, table.lines)):
        if i in bad:
            continue
        row = dict(zip(table.header, cells))
        try:
            message = check(row)
        except Exception as exc:   # a check must never crash the validation of a file
            message = (f"{schema.id_column} {row.get(schema.id_column, '?')} could not be checked "
                       f"({type(exc).__name__}); check the format of this row.")
        if message:
            found.append(f"Line {line} of {table.name}: {message}")
    if len(found) > _MAX_ROW_PROBLEMS:
        found = found[:_MAX_ROW_PROBLEMS] + [
            f"{table.name} has {len(found) - _MAX_ROW_PROBLEMS} more line(s) with problems like "
            f"these; fix them the same way."]
    return found


def check_table(table: CsvTable, schema: Schema,
                expected_ids: Iterable | None = None) -> tuple[pd.DataFrame | None, list[str]]:
    """Check a table of strings against a schema and convert its columns to their types.

    Args:
        table: the file as :func:`~common.submissions.reader.read_csv_table` returns it.
        schema: the declared schema.
        expected_ids: the ids the submission must cover exactly (``None`` skips that check).

    Returns:
        ``(frame, [])`` when the table is valid, where ``frame`` holds the schema's columns in
        order (``int`` as int64, ``float`` as float64, ``str`` as stripped text) with one row per
        data row and ``frame.attrs["lines"]`` the rows' line numbers; otherwise ``(None,
        problems)``, one sentence per problem.
    """
    name = table.name
    problems = _header_problems(table.header, schema, name)
    if problems:
        return None, problems
    if not table.rows:
        return None, [f"{name} has a header but no rows; write one row per id."]
    position = {c: i for i, c in enumerate(table.header)}
    bad: set[int] = set()
    typed = {}
    for col in schema.columns:
        values = [row[position[col.name]] for row in table.rows]
        typed[col.name], col_problems = _column(values, table.lines, col, bad, name)
        problems += col_problems
    id_col = next(c for c in schema.columns if c.name == schema.id_column)
    ids = [None if v is None else canonical_id(v) for v in typed[id_col.name]]
    problems += _id_problems(ids, schema, expected_ids, name)
    problems += _row_problems(table, schema, bad)
    if problems:
        return None, problems
    frame = pd.DataFrame({c.name: _array(typed[c.name], c.kind) for c in schema.columns})
    frame.attrs["lines"] = list(table.lines)
    return frame, []


def _array(values: list, kind: str) -> np.ndarray:
    if kind == "str":
        return np.asarray(values, dtype=object)
    if any(v is None for v in values):          # a nullable number column: NaN where empty
        return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    return np.asarray(values, dtype=np.int64 if kind == "int" else np.float64)


def read_submission(path: Path | str,
                    limits: ReadLimits | None = None) -> tuple[pd.DataFrame | None, list[str]]:
    """Read a CSV the strict way, every cell a string.

    Args:
        path: the CSV file.
        limits: size, row and cell limits (see :class:`~common.submissions.reader.ReadLimits`).

    Returns:
        ``(frame, [])`` with the header as written (spaces around names removed) and every cell a
        stripped string, ``frame.attrs["lines"]`` the rows' line numbers; or ``(None, [one
        problem])`` when the file cannot be read.
    """
    try:
        table = read_csv_table(path, limits)
    except SubmissionError as exc:
        return None, [str(exc)]
    frame = pd.DataFrame(table.rows, columns=list(table.header), dtype=object)
    frame.attrs["lines"] = list(table.lines)
    return frame, []


def _frame_table(frame: pd.DataFrame, name: str) -> CsvTable:
    def text(value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return ""
        return str(value).strip()

    lines = frame.attrs.get("lines")
    if not isinstance(lines, list) or len(lines) != len(frame):
        lines = list(range(2, len(frame) + 2))
    rows = [tuple(text(v) for v in row) for row in frame.itertuples(index=False, name=None)]
    return CsvTable(name=name, header=tuple(str(c).strip() for c in frame.columns), rows=rows,
                    lines=lines)


def validate_frame(frame: pd.DataFrame | None, schema: Schema,
                   expected_ids: Iterable | None = None, name: str = "the submission") -> list[str]:
    """Check a frame against a schema; return a list of problems.

    The frame's cells are checked as the text they would be written as (a missing value is an
    empty cell), by the same rules as a file.

    Args:
        frame: the table, e.g. from :func:`read_submission`; ``None`` (an unreadable file) is
            reported as such.
        schema: the declared schema.
        expected_ids: the ids the submission must cover exactly (``None`` skips that check).
        name: the file's name, used in messages.

    Returns:
        One sentence per problem; empty when the frame is valid.
    """
    if frame is None:
        return [f"{name} could not be read; run validate_submission on the file to see why."]
    return check_table(_frame_table(frame, name), schema, expected_ids)[1]


def validate_csv(path: Path | str, schema: Schema, expected_ids: Iterable | None = None,
                 limits: ReadLimits | None = None) -> list[str]:
    """Read and validate a submission file; return a list of problems (empty when valid).

    Args:
        path: the CSV file.
        schema: the declared schema.
        expected_ids: the ids the submission must cover exactly (``None`` skips that check).
        limits: size, row and cell limits.

    Returns:
        One sentence per problem; empty when the file is valid.
    """
    try:
        table = read_csv_table(path, limits)
    except SubmissionError as exc:
        return [str(exc)]
    return check_table(table, schema, expected_ids)[1]
