"""Run a lab's reference solution headless and collect its outputs in ``runs/<lab>/``."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from .errors import CourseError
from .grading.notebook import read_notebook
from .grading.release import lab_ids
from .paths import RUN_DIR_ENV, repo_root, runs_root
from .smoke import SMOKE_ENV

__all__ = ["run_lab"]


def run_lab(lab: str, smoke: bool = False, out: Path | None = None, timeout: int = 1800) -> dict:
    """Execute ``solutions/<lab>/<lab>.ipynb`` and write ``runs/<lab>/``.

    The folder receives the executed notebook, the figures and CSVs the notebook saves, and
    ``metrics.json``: the lab's headline figures plus ``wall_s`` (seconds for the whole notebook)
    and ``peak_rss_mb`` (peak memory of the kernel).

    Args:
        lab: assignment id.
        smoke: use the smoke configuration.
        out: output folder (default ``runs/<lab>``); emptied first.
        timeout: per-cell timeout in seconds.

    Returns:
        The metrics written.

    Raises:
        CourseError: unknown lab, or a cell failed (naming the cell and the error).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    import nbformat

    if lab not in lab_ids():
        raise CourseError(f"Unknown lab {lab!r}; choose one of {', '.join(lab_ids())}.")
    out = Path(out or runs_root() / lab)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    nb = read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")
    saved = {k: os.environ.get(k) for k in (RUN_DIR_ENV, SMOKE_ENV)}
    os.environ[RUN_DIR_ENV] = str(out)
    os.environ[SMOKE_ENV] = "1" if smoke else "0"
    start = time.perf_counter()
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(out)}})
        try:
            client.execute()
        except (CellExecutionError, CellTimeoutError) as exc:
            nbformat.write(nb, str(out / f"{lab}.ipynb"))
            first = str(exc).strip().splitlines()
            name = next((ln for ln in reversed(first) if "Error" in ln), first[-1] if first else "")
            raise CourseError(f"{lab} stopped with an error ({name.strip()[:200]}); open "
                              f"{out / (lab + '.ipynb')} to see the failing cell.") from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    wall = round(time.perf_counter() - start, 1)
    nbformat.write(nb, str(out / f"{lab}.ipynb"))
    path = out / "metrics.json"
    if not path.exists():
        raise CourseError(f"{lab} finished but wrote no metrics.json; its last cells must call "
                          f"common.report.save_metrics.")
    metrics = json.loads(path.read_text())
    metrics["wall_s"] = wall
    metrics["smoke"] = bool(smoke)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return metrics
