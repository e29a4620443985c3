"""The one way a submission CSV is read: strict, streamed and bounded.

Validation, scoring and the leaderboard all read a file through :func:`read_csv_table`, so they
see the same table or the same problem. The rules:

- **Size first.** ``os.stat`` is checked before the file is opened: it must be a regular file of
  at most ``max_bytes`` bytes (a folder, a device or a pipe is refused). Reading also stops if the
  file grows past the limit while it is read.
- **UTF-8 only.** A UTF-8 byte-order mark is accepted and dropped; UTF-16 and UTF-32 files, text
  in another encoding (Latin-1, Windows-1252) and NUL bytes are refused with one sentence.
- **Commas, standard quoting.** Cells are separated by commas and quoted the RFC 4180 way
  (``"a ""quoted"" value"``); lines end with LF or CRLF. A header that is a single cell holding
  ``;``, a tab or ``|`` is reported as a file using another separator.
- **Rectangular.** Blank lines are skipped; every other line holds exactly as many cells as the
  header (a trailing comma makes one cell too many and is refused). A quoted cell may not hold a
  line break.
- **Bounded.** No line is longer than ``2 × max_cell + 64 Ki`` characters, no cell longer than
  ``max_cell``, and reading stops after ``max_rows`` data rows, so memory stays small whatever the
  file holds.
- **Nothing inferred.** No index column, no type guessing: every cell is a string with the spaces
  around it removed. Types are applied afterwards by the schema
  (:func:`common.submissions.schema.check_table`).

Example:
    >>> table = read_csv_table("submission.csv", ReadLimits(max_bytes=4 * 2**20, max_rows=1000))
    >>> table.header, table.rows[0], table.lines[0]
    (('ImageId', 'Label'), ('1', '7'), 2)
"""

from __future__ import annotations

import csv
import io
import os
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import SubmissionError

__all__ = ["CsvTable", "ReadLimits", "read_csv_table", "read_csv_stream", "check_file_size",
           "format_size", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_CELL"]

#: the file-size limit of a read that names no other (16 MiB).
DEFAULT_MAX_BYTES = 16 * 2**20
#: the longest cell a read that names no other accepts (1 MiB of characters).
DEFAULT_MAX_CELL = 2**20

#: byte-order marks of encodings that are not UTF-8, longest first.
_OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
               (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
#: separators people use instead of commas, and how to name them.
_OTHER_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))

# ``csv.field_size_limit`` is process-wide: reads that change it take turns.
_FIELD_LIMIT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file is read.

    Args:
        max_bytes: the largest file accepted, in bytes (checked with ``os.stat`` first).
        max_rows: the most data rows read; a file with more is refused (``None``: no limit
            besides ``max_bytes``).
        max_cell: the longest cell accepted, in characters; lines are limited to
            :attr:`max_line`.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int | None = None
    max_cell: int = DEFAULT_MAX_CELL

    @property
    def max_line(self) -> int:
        """The longest line read, in characters: two full cells and 64 Ki characters more (a
        line is fetched whole before it is split into cells, so this bounds memory)."""
        return 2 * self.max_cell + 2**16


@dataclass(frozen=True)
class CsvTable:
    """A CSV read as strings.

    Attributes:
        name: the file's name, used in messages.
        header: the column names, spaces around them removed.
        rows: one tuple of ``len(header)`` stripped strings per data row.
        lines: the line number (1-based, counted in the file) on which each row starts.
    """

    name: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


class _TooLarge(Exception):
    """The stream went past its byte limit."""


class _LineTooLong(Exception):
    """A line went past its character limit."""


def _bounded_lines(text: io.TextIOBase, max_line: int):
    """The lines of ``text``, each read with at most ``max_line`` characters in memory."""
    while True:
        line = text.readline(max_line + 1)
        if not line:
            return
        if len(line) > max_line:
            raise _LineTooLong
        yield line


class _CappedReader(io.RawIOBase):
    """A raw binary stream that raises :class:`_TooLarge` after ``limit`` bytes."""

    def __init__(self, raw: BinaryIO, limit: int):
        super().__init__()
        self._raw, self._limit, self._read = raw, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(min(len(buffer), self._limit + 1 - self._read))
        self._read += len(data)
        if self._read > self._limit:
            raise _TooLarge
        buffer[:len(data)] = data
        return len(data)


def format_size(n_bytes: float) -> str:
    """A size in bytes for people: ``1536`` -> ``"1.5 KiB"``, ``3 * 2**20`` -> ``"3.0 MiB"``."""
    if n_bytes < 1024:
        return f"{n_bytes:.0f} bytes"
    if n_bytes < 2**20:
        return f"{n_bytes / 1024:.1f} KiB"
    return f"{n_bytes / 2**20:.1f} MiB"


def _too_large(name: str, size: int | None, max_bytes: int) -> SubmissionError:
    limit = format_size(max_bytes)
    if size is None:
        what = "grew while it was read and is"
    elif format_size(size) == limit:
        what, limit = f"is {size:,} bytes", f"{max_bytes:,} bytes"
    else:
        what = f"is {format_size(size)}"
    return SubmissionError(
        f"The file {name} {what}, more than the {limit} a submission may hold "
        f"here; write only the declared columns, one row per test id (a grader can raise the limit "
        f"with --max-mb)."
    )


def check_file_size(path: Path | str, max_bytes: int) -> int:
    """Check with ``os.stat``, without opening the file, that ``path`` is a regular file that is
    neither empty nor larger than ``max_bytes``.

    Args:
        path: the submitted file.
        max_bytes: the largest size accepted.

    Returns:
        The file's size in bytes.

    Raises:
        SubmissionError: the file is missing, unreadable, not a regular file, empty or too large.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise SubmissionError(f"The file {path} does not exist; check the path you submitted.") from None
    except OSError as exc:
        raise SubmissionError(f"The file {path} cannot be read ({exc.strerror or exc}); check its "
                              f"permissions or submit a copy.") from None
    if stat.S_ISDIR(info.st_mode):
        raise SubmissionError(f"{path} is a folder, not a CSV file; submit the CSV file itself.")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{path} is not a regular file (a device, pipe or socket); submit "
                              f"the CSV file itself.")
    if info.st_size == 0:
        raise SubmissionError(f"The file {path.name} is empty; write the header and one row per id.")
    if info.st_size > max_bytes:
        raise _too_large(path.name, info.st_size, max_bytes)
    return info.st_size


def read_csv_table(path: Path | str, limits: ReadLimits | None = None) -> CsvTable:
    """Read a submission CSV the strict way described in this module.

    Args:
        path: the CSV file.
        limits: size, row and cell limits (default :class:`ReadLimits`).

    Returns:
        The header and the rows, every cell a stripped string.

    Raises:
        SubmissionError: one sentence naming the file, what is wrong and what to do.
    """
    path, limits = Path(path), limits or ReadLimits()
    check_file_size(path, limits.max_bytes)
    try:
        with open(path, "rb") as raw:
            return read_csv_stream(raw, path.name, limits)
    except OSError as exc:
        raise SubmissionError(f"The file {path.name} cannot be read ({exc.strerror or exc}); check "
                              f"its permissions or submit a copy.") from None


def read_csv_stream(raw: BinaryIO, name: str, limits: ReadLimits | None = None) -> CsvTable:
    """Read a CSV from an open binary stream (an uploaded file, say) the strict way.

    Args:
        raw: a binary stream positioned at the start of the CSV.
        name: the file's name, used in messages.
        limits: size, row and cell limits (default :class:`ReadLimits`); the size is counted
            while reading.

    Returns:
        The header and the rows, every cell a stripped string.

    Raises:
        SubmissionError: one sentence naming the file, what is wrong and what to do.
    """
    limits = limits or ReadLimits()
    buffered = io.BufferedReader(_CappedReader(raw, limits.max_bytes))
    try:
        head = buffered.peek(4)[:4]
    except _TooLarge:
        raise _too_large(name, None, limits.max_bytes) from None
    for bom, encoding in _OTHER_BOMS:
        if head.startswith(bom):
            raise SubmissionError(f"The file {name} is {encoding} text, not UTF-8; save it as a "
                                  f"plain UTF-8 CSV (in Excel: CSV UTF-8).")
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
    with _FIELD_LIMIT_LOCK:
        previous = csv.field_size_limit(limits.max_cell)
        try:
            return _read_rows(text, name, limits)
        finally:
            csv.field_size_limit(previous)


def _read_rows(text: io.TextIOWrapper, name: str, limits: ReadLimits) -> CsvTable:
    reader = csv.reader(_bounded_lines(text, limits.max_line), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    lines: list[int] = []
    last = 0                                   # the last physical line read so far
    try:
        for cells in reader:
            start, last = last + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue                       # a blank line
            _check_cells(cells, name, start)
            cells = tuple(c.strip() for c in cells)
            if header is None:
                _check_separator(cells, name)
                header = cells
                continue
            if len(cells) != len(header):
                raise SubmissionError(_width_problem(name, start, len(cells), len(header), cells))
            if limits.max_rows is not None and len(rows) >= limits.max_rows:
                raise SubmissionError(
                    f"The file {name} has more than {limits.max_rows:,} data rows, more than this "
                    f"submission can hold; write exactly one row per test id."
                )
            rows.append(cells)
            lines.append(start)
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start:exc.start + 1].hex()
        raise SubmissionError(
            f"The file {name} is not UTF-8 text (it holds the byte 0x{byte}: Latin-1 or "
            f"Windows-1252?); save it as a plain UTF-8 CSV (in Excel: CSV UTF-8)."
        ) from None
    except _TooLarge:
        raise _too_large(name, None, limits.max_bytes) from None
    except _LineTooLong:
        raise SubmissionError(
            f"Line {last + 1} of {name} is longer than {limits.max_line:,} characters, more than "
            f"this submission allows; check what you wrote on that line."
        ) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise SubmissionError(
                f"Line {last + 1} of {name} has a cell longer than {limits.max_cell:,} characters, "
                f"more than this submission allows; check what you wrote in that column."
            ) from None
        raise SubmissionError(
            f"The file {name} could not be parsed as CSV near line {last + 1} "
            f"({exc}); check its quotes: a quoted cell must be closed, and a quote inside one is "
            f"written twice."
        ) from None
    if header is None:
        raise SubmissionError(f"The file {name} is empty; write the header and one row per id.")
    return CsvTable(name=name, header=header, rows=rows, lines=lines)


def _check_cells(cells: list[str], name: str, line: int) -> None:
    for cell in cells:
        if "\x00" in cell:
            raise SubmissionError(
                f"The file {name} holds NUL bytes (line {line}), so it is not UTF-8 text (UTF-16 "
                f"or a binary file?); save it as a plain UTF-8 CSV."
            )
        if "\n" in cell or "\r" in cell:
            raise SubmissionError(
                f"Line {line} of {name} has a line break inside a quoted cell; write every row on "
                f"one line."
            )


def _check_separator(header: tuple[str, ...], name: str) -> None:
    if len(header) != 1:
        return
    for separator, words in _OTHER_SEPARATORS:
        if separator in header[0]:
            raise SubmissionError(
                f"The file {name} is separated by {words}, not commas; save it as comma-separated "
                f"values (one ',' between cells)."
            )


def _width_problem(name: str, line: int, got: int, want: int, cells: tuple[str, ...]) -> str:
    if got > want:
        hint = "a trailing comma?" if cells[-1] == "" else "an unquoted comma inside a value?"
    else:
        hint = "a missing value, or a separator other than commas?"
    return (f"Line {line} of {name} has {got} cells but the header has {want} ({hint}); write "
            f"exactly one value per column on every line.")
