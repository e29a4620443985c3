"""How fast autograding is: ``dlmia grade bench-autograde`` against plain serial nbgrader.

One run builds a throw-away nbgrader course with ``students`` copies of a lab completed with the
reference answers, then grades them three ways and prints the figures:

1. plain ``nbgrader autograde LAB`` (every student, one after another, no sandbox: the baseline);
2. ``dlmia grade autograde --jobs N`` (:func:`~common.grading.autograde.autograde_all`, sandboxed);
3. one notebook with and without the sandbox (:func:`autograde_student`), for the sandbox's own
   cost per notebook.

Throughput is submissions per second; the speed-up is (1) ÷ (2) in wall time. Figures depend on
the machine and on what else runs: measure on an idle one. Notebooks run their smoke
configuration unless ``full`` (the grading work is then dominated by kernel starts, the worst case
for the sandbox's share).

Example:
    >>> figures = bench_autograde("lab01_digits_mlp", students=8, jobs=2)
    >>> figures["speedup"] >= 1.0
    True
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from ..env import RUN_DIR_ENV, SMOKE_ENV, environment
from ..errors import CourseError
from ..labs import LABS
from .autograde import autograde_all, autograde_student, threads_per_job
from .nbgrader_cli import nbgrader
from .nbgrader_check import make_course
from .sandbox import sandbox_problem

__all__ = ["bench_autograde", "make_bench_course"]


def make_bench_course(lab: str, students: int, folder: Path, root: Path | None = None) -> list[str]:
    """An nbgrader course in ``folder`` with ``students`` submissions completed with the answers.

    Returns:
        The student ids (``s01``, ``s02``, ...).
    """
    ids = [f"s{i:02d}" for i in range(1, students + 1)]
    make_course(lab, folder, {student: "solution" for student in ids}, root=root)
    return ids


def bench_autograde(lab: str = "lab01_digits_mlp", students: int = 8, jobs: int = 2,
                    full: bool = False, verbose: bool = True) -> dict:
    """Time plain serial nbgrader, ``dlmia grade autograde --jobs``, and the sandbox's cost.

    Args:
        lab: a lab id.
        students: submissions to grade (each the solution, so each must score full marks).
        jobs: notebooks graded at once by the sandboxed run.
        full: run the lab's full configuration instead of its smoke one.
        verbose: print the figures.

    Returns:
        ``{"students", "jobs", "plain_serial_s", "dlmia_parallel_s", "speedup",
        "plain_per_notebook_s", "sandbox_s", "no_sandbox_s", "sandbox_overhead"}``.

    Raises:
        CourseError: unknown lab, fewer than 2 students, no sandbox on this machine, or a
            submission that the sandboxed run did not grade.
    """
    if lab not in LABS:
        raise CourseError(f"Unknown lab {lab!r}; choose one of {', '.join(LABS)}.")
    if students < 2:
        raise CourseError("Give at least 2 students, so that parallel grading has work to share.")
    problem = sandbox_problem()
    if problem is not None:
        raise CourseError(problem)
    with tempfile.TemporaryDirectory(prefix="dlmia-bench-autograde-") as tmp:
        course = Path(tmp)
        # the plain run has no sandbox: its notebooks would write the course's runs/<lab>/
        env = {RUN_DIR_ENV: str(course / "plain-runs"), **({} if full else {SMOKE_ENV: "1"})}
        ids = make_bench_course(lab, students, course)
        start = time.perf_counter()
        nbgrader("autograde", lab, "--force", cwd=course, env=env)
        plain = time.perf_counter() - start

        start = time.perf_counter()
        with environment(env):
            table = autograde_all(lab, course, ids, jobs=jobs)
        parallel = time.perf_counter() - start
        if set(table["status"]) != {"graded"}:
            raise CourseError(f"The sandboxed run did not grade every copy: "
                              f"{table[['student', 'status', 'message']].to_dict('records')}.")

        one = {**threads_per_job(1), **env}
        timings = {}
        for sandbox in (True, False, True, False):   # interleaved, so drift hits both
            start = time.perf_counter()
            result = autograde_student(lab, ids[0], course, env=one, sandbox=sandbox)
            if result.status != "graded":
                raise CourseError(f"Grading one copy (sandbox={sandbox}) gave {result.status}: "
                                  f"{result.message}")
            timings.setdefault(sandbox, []).append(time.perf_counter() - start)
    figures = {
        "students": students, "jobs": jobs,
        "plain_serial_s": round(plain, 1), "dlmia_parallel_s": round(parallel, 1),
        "speedup": round(plain / parallel, 2),
        "plain_per_notebook_s": round(plain / students, 1),
        "sandbox_s": round(min(timings[True]), 1), "no_sandbox_s": round(min(timings[False]), 1),
    }
    figures["sandbox_overhead"] = round(figures["sandbox_s"] / figures["no_sandbox_s"] - 1, 3)
    if verbose:
        print(f"{lab}, {students} submissions ({'full' if full else 'smoke'} configuration):\n"
              f"  plain serial `nbgrader autograde`: {figures['plain_serial_s']} s "
              f"({figures['plain_per_notebook_s']} s per notebook)\n"
              f"  `dlmia grade autograde --jobs {jobs}` (sandboxed): "
              f"{figures['dlmia_parallel_s']} s -> {figures['speedup']}x the throughput\n"
              f"  one notebook: {figures['sandbox_s']} s in the sandbox, "
              f"{figures['no_sandbox_s']} s without -> sandbox overhead "
              f"{100 * figures['sandbox_overhead']:.1f} %")
    return figures
