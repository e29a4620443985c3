"""Autograde many submissions in parallel, each sandboxed and with a time and a memory limit.

nbgrader grades one student per ``nbgrader autograde --student`` call; this module runs several
such calls at once and watches each one's process tree. A notebook that runs past its time limit
is stopped inside nbgrader (the running cell is interrupted, later cells do not run, the grades
earned are saved); the process tree is killed only past its memory limit or when nbgrader itself
outlives the time limit by :data:`GRACE_S`. The kernel that runs student code lives in a bubblewrap sandbox
(:mod:`common.grading.sandbox`): it sees only a throw-away copy of its own folder, never the
gradebook, the solutions, the answer keys, other students or the course's ``runs/``.

One bad submission costs only its own grade: a missing or unreadable notebook, a crash, a kernel
that dies (the points before it are kept), a hang or a memory bomb each get a status and one
sentence; a notebook out of time keeps its points too. Locked cells that a student edited, and
test cells a student deleted, are reported.

Example:
    >>> table = autograde_all("lab01_digits_mlp", course_dir=Path("."), jobs=2)
    >>> table[["student", "status", "seconds", "peak_mb"]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import psutil

from ..env import HIDDEN_SEED_ENV, RUN_DIR_ENV
from ..errors import CourseError
from .launcher import launch
from .nbgrader_cli import nbgrader, nbgrader_env
from .notebook import read_notebook
from .sandbox import KERNEL_DIED, TIME_UP, sandbox_problem
from .tamper import scan_submission

__all__ = ["AutogradeResult", "STATUSES", "autograde_student", "autograde_all", "export_grades",
           "edited_locked_cells", "check_submission", "threads_per_job"]


def edited_locked_cells(release_path: Path, submitted_path: Path) -> list[str]:
    """grade_ids of locked cells whose source differs between the release and a submission.

    nbgrader restores such cells before grading, but its own checksum warning also fires for every
    cell with hidden tests (nbgrader #1961), so the comparison is made here against the release
    the student received.
    """
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
    """Outcome of one student's autograding.

    ``status`` is one of :data:`STATUSES`; ``message`` is one sentence for the instructor (empty
    when there is nothing to say); ``tamper_flags`` lists, ``" | "``-separated, what the tamper
    scan (:func:`common.grading.tamper.scan_submission`) found in the student's own cells, for a
    person to review (it changes no points).
    """

    student: str
    status: str
    seconds: float
    peak_mb: float
    edited_cells: str
    message: str
    deleted_cells: str = ""
    tamper_flags: str = ""


#: Every status a submission can get.
STATUSES = ("graded", "crashed", "timeout", "memory", "killed", "failed", "unreadable", "missing",
            "error")


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


def _graded_ids(path: Path) -> list[str]:
    """grade_ids of the autograded (code) test cells of a notebook."""
    return [c.metadata["nbgrader"]["grade_id"] for c in read_notebook(path).cells
            if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def check_submission(lab: str, student: str, course_dir: Path) -> AutogradeResult | None:
    """Problems that stop a submission from being graded at all, found before nbgrader runs.

    Returns:
        A result with status ``missing`` (no ``<lab>.ipynb``: not submitted or renamed) or
        ``unreadable`` (not a valid notebook), or None when the notebook can be graded.
    """
    import nbformat

    folder = Path(course_dir) / "submitted" / student / lab
    path = folder / f"{lab}.ipynb"
    if not path.exists():
        others = sorted(p.name for p in folder.glob("*.ipynb"))
        found = f" (found {', '.join(others)}: renamed?)" if others else ""
        return AutogradeResult(student, "missing", 0.0, 0.0, "",
                               f"submitted/{student}/{lab}/ has no {lab}.ipynb{found}; ask the "
                               f"student to submit it under that name.")
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reading error means the same to the grader
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        return AutogradeResult(student, "unreadable", 0.0, 0.0, "",
                               f"{path.name} of {student} is not a readable notebook ({detail}); "
                               f"ask the student to resubmit it.")
    return None


@dataclass
class _RunProblems:
    """What went wrong while a notebook ran: where the kernel stopped and which cells timed out."""

    stopped_at: int | None = None
    reason: str = ""
    lost: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    out_of_time_at: int | None = None


def _run_problems(autograded: Path) -> _RunProblems:
    """Read an autograded notebook for a stopped kernel and for cells that ran out of time."""
    found = _RunProblems()
    if not autograded.exists():
        return found
    for i, cell in enumerate(read_notebook(autograded).cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        name = meta.get("grade_id") or f"#{i}"
        enames = {o.get("ename") for o in cell.get("outputs", [])}
        if TIME_UP in enames:
            if found.out_of_time_at is None:
                found.out_of_time_at = i
            if meta.get("grade"):
                found.lost.append(name)
        elif KERNEL_DIED in enames:
            if found.stopped_at is None:
                found.stopped_at = i
                found.reason = next(o.get("evalue", "") for o in cell.outputs
                                    if o.get("ename") == KERNEL_DIED)
            if meta.get("grade"):
                found.lost.append(name)
        elif "CellTimeoutError" in enames:
            found.timed_out.append(name)
    return found


def _quietly(compute, default):
    """``compute()``, or ``default`` when it raises (details about a notebook of any shape)."""
    try:
        return compute()
    except Exception:  # noqa: BLE001 - a detail is optional, the grade is not
        return default


def _failure(log: str) -> str:
    """The most telling line of a failed nbgrader log: the last exception, else the last ERROR."""
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    for marks in (("Error:", "Exception:"), ("ERROR",)):
        found = [ln for ln in lines if any(m in ln for m in marks)]
        if found:
            return found[-1][:200]
    return "no error message"


#: memory the grading process itself (nbgrader, outside the kernel) may use on top of the
#: kernel's own limit before the whole tree is killed: the kernel's limit acts first, so a
#: notebook that allocates too much gets a ``MemoryError`` in one cell and keeps its other points.
GRADER_ALLOWANCE_MB = 1024
#: seconds past the notebook's time limit after which the grading process tree is killed (the
#: notebook is stopped at its limit inside nbgrader; this is for nbgrader itself hanging).
GRACE_S = 120


def _nbgrader_command(lab: str, student: str, cell_timeout: int, notebook_timeout: float,
                      memory_mb: float, sandbox: bool) -> list[str]:
    from ..paths import data_root

    execute = "common.grading.sandbox.SandboxExecute" if sandbox else \
        "common.grading.sandbox.KeepGoingExecute"
    cmd = [sys.executable, "-m", "nbgrader", "autograde", lab, "--student", student, "--force",
           f"--ExecutePreprocessor.timeout={cell_timeout}", f"--Execute.timeout={cell_timeout}",
           f"--KeepGoingExecute.notebook_timeout={notebook_timeout}"]
    for pp in [execute, *_AFTER_EXECUTE]:
        cmd.append(f"--Autograde.autograde_preprocessors={pp}")
    if sandbox:
        cmd += [f"--SandboxExecute.data_root={data_root()}",
                f"--SandboxExecute.memory_mb={memory_mb}"]
    return cmd


#: nbgrader's own autograde steps after executing the notebook (nbgrader 0.9).
_AFTER_EXECUTE = ["nbgrader.preprocessors.IgnorePattern",
                  "nbconvert.preprocessors.ClearMetadataPreprocessor",
                  "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
                  "nbgrader.preprocessors.AssignLatePenalties",
                  "nbgrader.preprocessors.CheckCellMetadata"]


def autograde_student(lab: str, student: str, course_dir: Path, cell_timeout: int = 300,
                      notebook_timeout: float = 1800, memory_mb: float = 6000,
                      env: dict | None = None, sandbox: bool = True) -> AutogradeResult:
    """Autograde one student's submission of ``lab`` in ``course_dir`` under limits.

    Never raises for a bad submission: every problem becomes the result's status and message.

    Args:
        lab: assignment id.
        student: student id (a folder of ``course_dir/submitted``).
        course_dir: the nbgrader course folder.
        cell_timeout: seconds per cell.
        notebook_timeout: seconds for the whole notebook: past it the running cell is
            interrupted and later cells score 0 (the points before are kept); the grading
            process is killed :data:`GRACE_S` seconds later if nbgrader has not finished.
        memory_mb: memory of each sandboxed kernel process (an allocation past it fails in its
            cell); the whole grading process tree is killed past ``memory_mb`` plus
            :data:`GRADER_ALLOWANCE_MB` (past ``memory_mb`` without the sandbox).
        env: extra environment variables for the grading process (e.g. :func:`threads_per_job`).
        sandbox: run the kernel in a bubblewrap sandbox (:mod:`common.grading.sandbox`).

    Returns:
        The student's :class:`AutogradeResult`.
    """
    start = time.perf_counter()
    try:
        problem = check_submission(lab, student, course_dir)
        if problem is not None:
            return problem
        result = _autograde_checked(lab, student, Path(course_dir), cell_timeout,
                                    notebook_timeout, memory_mb, env, sandbox, start)
        if result.status == "failed" and "database is locked" in result.message:
            # parallel nbgrader processes share one SQLite gradebook: one more try
            result = _autograde_checked(lab, student, Path(course_dir), cell_timeout,
                                        notebook_timeout, memory_mb, env, sandbox, start)
        return result
    except Exception as exc:  # noqa: BLE001 - one student's problem must not stop the others
        return AutogradeResult(student, "error", round(time.perf_counter() - start, 1), 0.0, "",
                               f"grading {student} failed ({type(exc).__name__}: "
                               f"{str(exc)[:200]}); grade this student alone to see why.")


def _autograde_checked(lab, student, course_dir, cell_timeout, notebook_timeout, memory_mb, env,
                       sandbox, start) -> AutogradeResult:
    cmd = _nbgrader_command(lab, student, cell_timeout, notebook_timeout, memory_mb, sandbox)
    with tempfile.TemporaryDirectory(prefix=f"dlmia-{student}-",
                                     ignore_cleanup_errors=True) as scratch:
        # Everything the grading process leaves (sandbox copies, IPC sockets, run outputs) lies
        # in ``scratch`` and goes with it, even when the process is killed.
        extra = {**(env or {}), RUN_DIR_ENV: str(Path(scratch) / "runs"), "TMPDIR": scratch}
        # the instructor's hidden-split secret never reaches a grading process (nor its kernel)
        extra[HIDDEN_SEED_ENV] = None
        log_path = Path(scratch) / "nbgrader.log"
        grader = launch(cmd, course_dir, nbgrader_env(extra), log_path)
        proc = psutil.Process(grader.pid)
        peak, status = 0.0, "graded"
        tree_limit = memory_mb + (GRADER_ALLOWANCE_MB if sandbox else 0)
        while grader.poll() is None:
            try:
                peak = max(peak, _tree_rss(proc))
            except psutil.NoSuchProcess:
                break
            elapsed = time.perf_counter() - start
            if peak > tree_limit:
                status = "memory"
            elif elapsed > notebook_timeout + GRACE_S:
                status = "killed"
            if status != "graded":
                _kill_tree(proc)
                break
            time.sleep(0.25)
        grader.wait()
        log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if status == "graded" and grader.returncode != 0:
        status = "failed"
    release = course_dir / "labs" / lab / f"{lab}.ipynb"
    submitted = course_dir / "submitted" / student / lab / f"{lab}.ipynb"
    # What follows only adds detail: an odd notebook must not undo the grade nbgrader saved.
    edited = _quietly(lambda: edited_locked_cells(release, submitted), [])
    deleted = _quietly(lambda: sorted(set(_graded_ids(release)) - set(_graded_ids(submitted))),
                       []) if release.exists() else []
    run = _quietly(lambda: _run_problems(course_dir / "autograded" / student / lab /
                                         f"{lab}.ipynb"), _RunProblems()) \
        if status == "graded" else _RunProblems()
    if run.stopped_at is not None:
        status = "crashed"
    elif run.out_of_time_at is not None:
        status = "timeout"
    message = {
        "graded": "",
        "crashed": f"the kernel stopped in cell {run.stopped_at} ({run.reason}); the points before "
                   f"it are kept, these test cells did not run and score 0: "
                   f"{', '.join(run.lost) or 'none'}.",
        "memory": f"killed: the grading processes used more than {tree_limit:.0f} MB, so "
                  f"nothing was graded.",
        "timeout": f"ran out of its {notebook_timeout:.0f} s before cell {run.out_of_time_at}; the "
                   f"points before it are kept, these test cells did not run and score 0: "
                   f"{', '.join(run.lost) or 'none'}.",
        "killed": f"killed: grading took longer than {notebook_timeout + GRACE_S:.0f} s, so nothing "
                  f"was graded.",
        "failed": f"nbgrader could not grade this submission ({_failure(log)}); grade the "
                  f"student alone with `nbgrader autograde` to see the full log.",
    }[status]
    notes = [message] if message else []
    if run.timed_out:
        notes.append(f"Cells interrupted at their time limit: {', '.join(run.timed_out)}.")
    if deleted:
        notes.append(f"Test cells deleted by the student score 0: {', '.join(deleted)}.")
    message = " ".join(notes)
    source = course_dir / "solutions" / lab / f"{lab}.ipynb"   # its hidden tests name more
    flags = _quietly(lambda: scan_submission(read_notebook(source if source.exists() else release),
                                             read_notebook(submitted)), [])
    return AutogradeResult(student, status, round(time.perf_counter() - start, 1), round(peak, 1),
                           ",".join(edited), message[:400], ",".join(deleted), " | ".join(flags))


def autograde_all(lab: str, course_dir: Path, students: list[str] | None = None, jobs: int = 2,
                  cell_timeout: int = 300, notebook_timeout: float = 1800,
                  memory_mb: float = 6000, sandbox: bool = True) -> pd.DataFrame:
    """Autograde every submission of ``lab`` in ``course_dir/submitted`` (or ``students``).

    Args:
        sandbox: run every notebook's kernel in a bubblewrap sandbox; False grades without
            isolation (only for trusted submissions).

    Returns:
        One row per student: ``student, status, seconds, peak_mb, edited_cells, message,
        deleted_cells``.

    Raises:
        CourseError: no submissions, no gradebook, or ``sandbox`` and no sandbox can be made.
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
    if sandbox:
        problem = sandbox_problem()
        if problem is not None:
            raise CourseError(problem)
    threads = threads_per_job(min(jobs, len(students)))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(
            lambda s: autograde_student(lab, s, course_dir, cell_timeout, notebook_timeout,
                                        memory_mb, env=threads, sandbox=sandbox), students))
    return pd.DataFrame([asdict(r) for r in results])


def export_grades(course_dir: Path, path: Path | None = None, lab: str | None = None,
                  table: pd.DataFrame | None = None) -> pd.DataFrame:
    """``nbgrader export`` to ``grades.csv`` in ``course_dir`` (or ``path``) and return it.

    Args:
        course_dir: the nbgrader course folder.
        path: where to write the CSV (default ``course_dir/grades.csv``).
        lab: the assignment that ``table`` describes.
        table: :func:`autograde_all`'s table; its ``status`` and ``message`` are added to the
            rows of ``lab``, and a student nbgrader could not grade at all gets a row of its own.

    Returns:
        The exported grades, one row per student and assignment.
    """
    course_dir = Path(course_dir)
    path = Path(path or course_dir / "grades.csv")
    nbgrader("export", f"--to={path}", cwd=course_dir)
    grades = pd.read_csv(path)
    if table is not None and lab is not None:
        info = table[["student", "status", "message", "tamper_flags"]] \
            .rename(columns={"student": "student_id"})
        info.insert(0, "assignment", lab)
        grades = grades.merge(info, on=["assignment", "student_id"], how="outer")
        grades.to_csv(path, index=False)
    return grades
