"""Autograde many submissions in parallel, each with a time and a memory limit.

nbgrader grades one student per ``nbgrader autograde --student`` call; this module runs several
such calls at once, watches each one's process tree, and kills a notebook that runs past its time
limit or memory limit. A crashing or hanging notebook costs only its own grade. Locked cells that a
student edited are found by nbgrader's checksums and reported.

Example:
    >>> table = autograde_all("lab01_digits_mlp", course_dir=Path("."), jobs=2)
    >>> table[["student", "status", "seconds", "peak_mb"]]
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import psutil

from ..errors import CourseError
from .nbgrader_cli import nbgrader, nbgrader_env

__all__ = ["AutogradeResult", "autograde_student", "autograde_all", "export_grades",
           "edited_locked_cells", "threads_per_job"]


def edited_locked_cells(release_path: Path, submitted_path: Path) -> list[str]:
    """grade_ids of locked cells whose source differs between the release and a submission.

    nbgrader restores such cells before grading, but its own checksum warning also fires for every
    cell with hidden tests (nbgrader #1961), so the comparison is made here against the release
    the student received.
    """
    from .notebook import read_notebook

    if not (release_path.exists() and submitted_path.exists()):
        return []
    released = {c.metadata["nbgrader"]["grade_id"]: c.source.rstrip()
                for c in read_notebook(release_path).cells
                if c.get("metadata", {}).get("nbgrader", {}).get("locked")}
    edited = []
    for cell in read_notebook(submitted_path).cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in released and cell.source.rstrip() != released[gid]:
            edited.append(gid)
    return sorted(edited)


@dataclass
class AutogradeResult:
    """Outcome of one student's autograding."""

    student: str
    status: str          # "graded", "timeout", "memory", "failed"
    seconds: float
    peak_mb: float
    edited_cells: str
    message: str


def _tree_rss(proc: psutil.Process) -> float:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 2**20


def _kill_tree(proc: psutil.Process) -> None:
    procs = [proc, *proc.children(recursive=True)]
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def threads_per_job(jobs: int) -> dict[str, str]:
    """Thread settings that share this machine's cores among ``jobs`` parallel notebooks.

    torch and OpenMP use every core by default; several such processes side by side
    oversubscribe the CPU and each runs many times slower. A value the caller already set in
    ``OMP_NUM_THREADS`` is kept.
    """
    if "OMP_NUM_THREADS" in os.environ:
        return {}
    n = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    return {"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n}


def autograde_student(lab: str, student: str, course_dir: Path, cell_timeout: int = 300,
                      notebook_timeout: float = 1800, memory_mb: float = 6000,
                      env: dict | None = None) -> AutogradeResult:
    """Autograde one student's submission of ``lab`` in ``course_dir`` under limits.

    ``env`` adds environment variables for the grading process (e.g. :func:`threads_per_job`).
    """
    cmd = [sys.executable, "-m", "nbgrader", "autograde", lab, "--student", student, "--force",
           f"--ExecutePreprocessor.timeout={cell_timeout}", f"--Execute.timeout={cell_timeout}"]
    start = time.perf_counter()
    popen = subprocess.Popen(cmd, cwd=str(course_dir), env=nbgrader_env(env), text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc = psutil.Process(popen.pid)
    peak, status = 0.0, "graded"
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(popen.stdout), daemon=True)
    reader.start()
    while popen.poll() is None:
        peak = max(peak, _tree_rss(proc))
        elapsed = time.perf_counter() - start
        if peak > memory_mb:
            status = "memory"
        elif elapsed > notebook_timeout:
            status = "timeout"
        if status != "graded":
            _kill_tree(proc)
            break
        time.sleep(0.25)
    popen.wait()
    reader.join(timeout=5)
    log = "".join(lines)
    if status == "graded" and popen.returncode != 0:
        status = "failed"
    course_dir = Path(course_dir)
    edited = edited_locked_cells(course_dir / "labs" / lab / f"{lab}.ipynb",
                                 course_dir / "submitted" / student / lab / f"{lab}.ipynb")
    message = {
        "graded": "",
        "memory": f"killed: used more than {memory_mb:.0f} MB",
        "timeout": f"killed: ran longer than {notebook_timeout:.0f} s",
        "failed": next((ln.strip() for ln in reversed(log.splitlines()) if "ERROR" in ln),
                       "nbgrader autograde failed"),
    }[status]
    return AutogradeResult(student, status, round(time.perf_counter() - start, 1), round(peak, 1),
                           ",".join(edited), message[:300])


def autograde_all(lab: str, course_dir: Path, students: list[str] | None = None, jobs: int = 2,
                  cell_timeout: int = 300, notebook_timeout: float = 1800,
                  memory_mb: float = 6000) -> pd.DataFrame:
    """Autograde every submission of ``lab`` in ``course_dir/submitted`` (or ``students``).

    Returns:
        One row per student: ``student, status, seconds, peak_mb, edited_cells, message``.
    """
    course_dir = Path(course_dir)
    submitted = course_dir / "submitted"
    if students is None:
        students = sorted(p.parent.name for p in submitted.glob(f"*/{lab}") if p.is_dir())
    if not students:
        raise CourseError(f"No submissions of {lab} in {submitted}; collect them first "
                          f"(`nbgrader collect` or copy them to submitted/<student>/{lab}/).")
    if not (course_dir / "gradebook.db").exists():
        raise CourseError(f"{course_dir} has no gradebook.db; run `nbgrader generate_assignment "
                          f"{lab}` there first so the hidden tests are recorded.")
    threads = threads_per_job(min(jobs, len(students)))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(
            lambda s: autograde_student(lab, s, course_dir, cell_timeout, notebook_timeout,
                                        memory_mb, env=threads), students))
    return pd.DataFrame([asdict(r) for r in results])


def export_grades(course_dir: Path, path: Path | None = None) -> pd.DataFrame:
    """``nbgrader export`` to ``grades.csv`` in ``course_dir`` (or ``path``) and return it."""
    course_dir = Path(course_dir)
    path = Path(path or course_dir / "grades.csv")
    nbgrader("export", f"--to={path}", cwd=course_dir)
    return pd.read_csv(path)
