"""Score every student's CSVs and rank them per lab: ``leaderboard.csv`` and a static HTML page.

Submissions are found in nbgrader's layout, ``<submitted>/<student>/<lab>/<file>.csv``.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..errors import SubmissionError
from .registry import labs_with_submissions, specs_for
from .schema import read_submission, validate_frame

__all__ = ["score_all", "rank", "write_leaderboard"]


def score_all(submitted: Path, labs: list[str] | None = None) -> pd.DataFrame:
    """One row per (student, lab, file): the score, or the problems that prevented scoring."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        raise SubmissionError(f"The folder {submitted} does not exist; point --submitted at the "
                              f"folder that holds one sub-folder per student.")
    rows = []
    for lab in labs or labs_with_submissions():
        for spec in specs_for(lab):
            key = spec.load_key()
            ids = key[spec.schema.id_column].astype(str).tolist()
            for path in sorted(submitted.glob(f"*/{lab}/{spec.filename}")):
                student = path.parent.parent.name
                frame, problems = read_submission(path)
                if frame is not None:
                    problems = validate_frame(frame, spec.schema, ids, name=path.name)
                score = None
                if not problems:
                    frame.columns = [str(c).strip() for c in frame.columns]
                    score = float(spec.score(frame, key))
                rows.append({"lab": lab, "file": spec.filename, "student": student,
                             "metric": spec.metric, "score": score,
                             "higher_is_better": spec.higher_is_better,
                             "problems": " ".join(problems)})
    return pd.DataFrame(rows, columns=["lab", "file", "student", "metric", "score",
                                       "higher_is_better", "problems"])


def rank(scores: pd.DataFrame) -> pd.DataFrame:
    """Add a ``rank`` per (lab, file): 1 is best; invalid submissions are ranked last (no rank)."""
    out = []
    for _, group in scores.groupby(["lab", "file"], sort=True):
        asc = not bool(group["higher_is_better"].iloc[0])
        group = group.sort_values("score", ascending=asc, na_position="last").copy()
        group["rank"] = group["score"].rank(ascending=asc, method="min")
        out.append(group)
    cols = ["lab", "file", "rank", "student", "metric", "score", "problems"]
    return pd.concat(out)[cols] if out else pd.DataFrame(columns=cols)


def write_leaderboard(submitted: Path, out_dir: Path, labs: list[str] | None = None) -> pd.DataFrame:
    """Write ``leaderboard.csv`` and ``leaderboard.html`` into ``out_dir`` and return the table."""
    table = rank(score_all(submitted, labs))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(out_dir / "leaderboard.csv", index=False)
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Leaderboard</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
             "margin-bottom:2em}td,th{border:1px solid #ccc;padding:4px 8px}"
             ".bad{color:#a00}</style></head><body><h1>Leaderboard</h1>"]
    for (lab, file), group in table.groupby(["lab", "file"], sort=True):
        metric = html.escape(str(group["metric"].iloc[0]))
        parts.append(f"<h2>{html.escape(lab)} — {html.escape(file)} ({metric})</h2><table>"
                     "<tr><th>rank</th><th>student</th><th>score</th><th>problems</th></tr>")
        for _, r in group.iterrows():
            rank_txt = "" if pd.isna(r["rank"]) else str(int(r["rank"]))
            score_txt = "" if pd.isna(r["score"]) else f"{r['score']:.4f}"
            parts.append(f"<tr><td>{rank_txt}</td><td>{html.escape(str(r['student']))}</td>"
                         f"<td>{score_txt}</td><td class='bad'>{html.escape(str(r['problems']))}"
                         f"</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    (out_dir / "leaderboard.html").write_text("\n".join(parts))
    return table
