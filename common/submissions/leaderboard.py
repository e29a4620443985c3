"""Score every student's CSVs and rank them per lab: ``leaderboard.csv`` and a static HTML page.

Submissions are found in nbgrader's layout, ``<submitted>/<student>/<lab>/<file>.csv``, and each
goes through :func:`common.submissions.check.check_submission` like a single
``dlmia grade score-csv``. No single file stops the board: a file that cannot be read, validated or
scored gets its status and its problems in its own row, and every other file is scored.

Statuses: ``scored``; ``invalid`` (the file's problems, the sentences ``validate-csv`` prints);
``not scored`` (the file is valid but the course could not score it: a missing answer key or
reference, a scorer failure).

The output folder may exist and hold other files: only ``leaderboard.csv`` and
``leaderboard.html`` are written, each through a temporary file renamed over the old one. Text
cells of the CSV that start with ``= + - @``, a tab or a carriage return get a leading ``'``
(OWASP's rule against formula injection when the file is opened in a spreadsheet); the HTML page
escapes every text it shows.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

import pandas as pd

from ..errors import CourseError, SubmissionError
from .check import check_submission, score_checked
from .registry import labs_with_submissions, specs_for

__all__ = ["score_all", "rank", "write_leaderboard", "neutralise_cell", "OUTPUT_FILES", "STATUSES"]

#: the only files the leaderboard writes into its folder.
OUTPUT_FILES = ("leaderboard.csv", "leaderboard.html")
#: the status of a row.
STATUSES = ("scored", "invalid", "not scored")
_COLUMNS = ["lab", "file", "student", "metric", "score", "higher_is_better", "status", "problems"]
#: characters that make a spreadsheet read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _row(spec, student: str, score: float | None, status: str, problems: list[str]) -> dict:
    return {"lab": spec.lab, "file": spec.filename, "student": student, "metric": spec.metric,
            "score": score, "higher_is_better": spec.higher_is_better, "status": status,
            "problems": " ".join(problems)}


def _score_one(spec, path: Path, key: pd.DataFrame | None, key_problem: str | None,
               max_bytes: int | None) -> dict:
    """One file's row."""
    student = path.parent.parent.name
    if key is None:
        return _row(spec, student, None, "not scored", [key_problem or "There is no answer key."])
    checked = check_submission(spec, path, key=key, max_bytes=max_bytes)
    if not checked.valid:
        return _row(spec, student, None, "invalid", checked.problems)
    try:
        return _row(spec, student, score_checked(checked), "scored", [])
    except CourseError as exc:
        return _row(spec, student, None, "not scored", [str(exc)])


def score_all(submitted: Path, labs: list[str] | None = None,
              max_bytes: int | None = None) -> pd.DataFrame:
    """One row per (student, lab, file): the score, or the status and problems that prevented it.

    Args:
        submitted: the folder that holds ``<student>/<lab>/<file>.csv``.
        labs: assignment ids (default: every lab with submissions).
        max_bytes: a file-size limit other than each submission's default.

    Returns:
        Columns ``lab, file, student, metric, score, higher_is_better, status, problems``.

    Raises:
        SubmissionError: when ``submitted`` is not a folder or a lab is unknown.
    """
    submitted = Path(submitted)
    if not submitted.is_dir():
        raise SubmissionError(f"The folder {submitted} does not exist; point --submitted at the "
                              f"folder that holds one sub-folder per student.")
    rows = []
    for lab in labs or labs_with_submissions():
        for spec in specs_for(lab):
            paths = sorted(submitted.glob(f"*/{lab}/{spec.filename}"))
            if not paths:
                continue
            key, key_problem = None, None
            try:
                key = spec.load_key()
            except CourseError as exc:
                key_problem = str(exc)
            except Exception as exc:    # the board is written whatever one key does
                key_problem = (f"The answer key of {spec.lab} could not be loaded "
                               f"({type(exc).__name__}); rebuild it with `dlmia data build`.")
            for path in paths:
                try:
                    rows.append(_score_one(spec, path, key, key_problem, max_bytes))
                except Exception as exc:   # a defect must cost one row, not the board
                    rows.append(_row(spec, path.parent.parent.name, None, "not scored",
                                     [f"{path.name} could not be checked ({type(exc).__name__}); "
                                      f"send the file to the course staff."]))
    return pd.DataFrame(rows, columns=_COLUMNS)


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Add a ``rank`` per (lab, file): 1 is best; rows without a score are last, with no rank."""
    cols = ["lab", "file", "rank", "student", "metric", "score", "status", "problems"]
    out = []
    for _, group in scores.groupby(["lab", "file"], sort=True):
        asc = not bool(group["higher_is_better"].iloc[0])
        group = group.assign(score=pd.to_numeric(group["score"], errors="coerce"))
        group = group.sort_values(["score", "student"], ascending=[asc, True], na_position="last")
        group["rank"] = group["score"].rank(ascending=asc, method="min")
        out.append(group)
    return pd.concat(out)[cols] if out else pd.DataFrame(columns=cols)


def neutralise_cell(value):
    """A CSV cell that a spreadsheet will not run as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP's CSV
    injection rule); other values are returned unchanged.

    Example:
        >>> neutralise_cell("=HYPERLINK(...)"), neutralise_cell("ada"), neutralise_cell(-0.5)
        ("'=HYPERLINK(...)", 'ada', -0.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(table: pd.DataFrame) -> str:
    """The table as CSV text (RFC 4180: CRLF line ends, so a cell holding CR or LF is quoted):
    text cells neutralised, missing values empty."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.itertuples(index=False, name=None):
        writer.writerow(["" if pd.isna(v) else neutralise_cell(v) for v in row])
    return out.getvalue()


def _html(table: pd.DataFrame) -> str:
    esc = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Leaderboard</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
             "margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px}"
             ".bad{color:#a00}</style></head><body><h1>Leaderboard</h1>"]
    for (lab, file), group in table.groupby(["lab", "file"], sort=True):
        metric = esc(str(group["metric"].iloc[0]))
        parts.append(f"<h2>{esc(str(lab))} — {esc(str(file))} ({metric})</h2><table>"
                     "<tr><th>rank</th><th>student</th><th>score</th><th>status</th>"
                     "<th>problems</th></tr>")
        for _, r in group.iterrows():
            rank_txt = "" if pd.isna(r["rank"]) else str(int(r["rank"]))
            score_txt = "" if pd.isna(r["score"]) else f"{r['score']:.4f}"
            parts.append(f"<tr><td>{rank_txt}</td><td>{esc(str(r['student']))}</td>"
                         f"<td>{score_txt}</td><td>{esc(str(r['status']))}</td>"
                         f"<td class='bad'>{esc(str(r['problems']))}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a new sibling file and a rename, so a reader never sees
    half a file and nothing else in the folder is touched."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "x", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _output_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise SubmissionError(f"The output {out_dir} is an existing file, not a folder; pass --out a "
                              f"folder (it receives {' and '.join(OUTPUT_FILES)}).")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SubmissionError(f"The output folder {out_dir} cannot be created ({exc.strerror or exc}); "
                              f"pass --out a folder you can write to.") from None
    for name in OUTPUT_FILES:
        if (out_dir / name).is_dir():
            raise SubmissionError(f"{out_dir / name} is a folder; move it away so that the "
                                  f"leaderboard can write its {name} there.")


def write_leaderboard(submitted: Path, out_dir: Path, labs: list[str] | None = None,
                      max_bytes: int | None = None) -> pd.DataFrame:
    """Write ``leaderboard.csv`` and ``leaderboard.html`` into ``out_dir`` and return the table.

    Args:
        submitted: the folder that holds ``<student>/<lab>/<file>.csv``.
        out_dir: the output folder; created if needed, may already hold other files (only the
            two leaderboard files are replaced).
        labs: assignment ids (default: every lab with submissions).
        max_bytes: a file-size limit other than each submission's default.

    Returns:
        The ranked table (``lab, file, rank, student, metric, score, status, problems``), with
        the text as the students wrote it (only the CSV file neutralises formulas).

    Raises:
        SubmissionError: ``submitted`` is not a folder, a lab is unknown, or ``out_dir`` cannot
            be a folder.
    """
    out_dir = Path(out_dir)
    _output_folder(out_dir)
    table = rank(score_all(submitted, labs, max_bytes))
    try:
        _replace_file(out_dir / "leaderboard.csv", _csv(table))
        _replace_file(out_dir / "leaderboard.html", _html(table))
    except OSError as exc:
        raise SubmissionError(f"The leaderboard could not be written into {out_dir} "
                              f"({exc.strerror or exc}); pass --out a folder you can write to.") from None
    return table
