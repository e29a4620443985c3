"""Run a lab's reference solution headless and collect its outputs in ``runs/<lab>/``."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .env import RUN_DIR_ENV, SMOKE_ENV, environment
from .errors import CourseError
from .grading.notebook import execute, read_notebook
from .labs import lab_ids
from .paths import repo_root, runs_root

__all__ = ["run_lab"]


def run_lab(lab: str, smoke: bool = False, out: Path | None = None, timeout: int = 1800) -> dict:
    """Execute ``solutions/<lab>/<lab>.ipynb`` and write ``runs/<lab>/``.

    The folder receives the executed notebook, the figures and CSVs the notebook saves, and
    ``metrics.json``: the lab's headline figures plus ``wall_s`` (seconds for the whole notebook),
    ``peak_rss_mb`` (peak memory of the kernel, from :func:`common.report.save_metrics`) and
    ``smoke``.

    Args:
        lab: assignment id.
        smoke: use the smoke configuration.
        out: output folder (default ``runs/<lab>``); emptied first.
        timeout: per-cell timeout in seconds.

    Returns:
        The metrics written.

    Raises:
        CourseError: unknown lab, a cell failed (naming the cell and the error), or the notebook
            wrote no ``metrics.json``.
    """
    labs = lab_ids()
    if lab not in labs:
        raise CourseError(f"Unknown lab {lab!r}; choose one of {', '.join(labs)}.")
    out = Path(out or runs_root() / lab)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    nb = read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")
    start = time.perf_counter()
    with environment({RUN_DIR_ENV: str(out), SMOKE_ENV: "1" if smoke else "0"}):
        execute(nb, out, timeout=timeout, allow_errors=False, save_to=out / f"{lab}.ipynb")
    wall = round(time.perf_counter() - start, 1)
    path = out / "metrics.json"
    if not path.exists():
        raise CourseError(f"{lab} finished but wrote no metrics.json; its last cells must call "
                          f"common.report.save_metrics.")
    metrics = json.loads(path.read_text())
    metrics["wall_s"] = wall
    metrics["smoke"] = bool(smoke)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return metrics
