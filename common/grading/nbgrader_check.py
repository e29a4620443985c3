"""Every lab through real nbgrader: the completed release earns full marks, the blank one nothing.

:func:`make_course` builds a throw-away nbgrader course for one lab (``generate_assignment`` from
``solutions/``, so the gradebook records the hidden tests) with submissions that are the release
completed with the reference answers (``"solution"``) or the release as handed out (``"blank"``);
:func:`check_lab_with_nbgrader` grades them with ``dlmia grade autograde`` (sandboxed, smoke
configuration, nbgrader's own preprocessors) and reads every autograded cell's score back from
nbgrader's gradebook.

Example:
    >>> check_lab_with_nbgrader("lab04_segmentation")
    []
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from ..env import SMOKE_ENV, environment
from ..paths import repo_root
from .autograde import autograde_all
from .nbgrader_cli import nbgrader
from .notebook import nbgrader_meta, read_notebook, test_cells, write_clean

__all__ = ["make_course", "completed_release", "check_lab_with_nbgrader", "cell_scores"]


def completed_release(release, solution):
    """The release notebook with every solution cell's source taken from the solution notebook."""
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells
               if nbgrader_meta(c).get("solution")}
    for cell in release.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return release


def make_course(lab: str, folder: Path, submissions: Mapping[str, str],
                root: Path | None = None) -> None:
    """An nbgrader course for ``lab`` in ``folder`` with the given submissions.

    Args:
        lab: a lab id with a source notebook in ``root/solutions``.
        folder: an empty folder.
        submissions: ``{student: "solution" | "blank"}``.
        root: the course repository (default :func:`common.paths.repo_root`).
    """
    root = Path(root or repo_root())
    folder = Path(folder)
    shutil.copy(root / "nbgrader_config.py", folder)
    shutil.copytree(root / "solutions" / lab, folder / "solutions" / lab)
    nbgrader("generate_assignment", lab, "--force", cwd=folder)
    release_path = folder / "labs" / lab / f"{lab}.ipynb"
    solution = read_notebook(folder / "solutions" / lab / f"{lab}.ipynb")
    for student, kind in submissions.items():
        if kind not in ("solution", "blank"):
            raise ValueError(f"a submission is 'solution' or 'blank', not {kind!r}")
        nb = read_notebook(release_path)
        if kind == "solution":
            nb = completed_release(nb, solution)
        sub = folder / "submitted" / student / lab
        sub.mkdir(parents=True)
        write_clean(nb, sub / f"{lab}.ipynb")
        (sub / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")


def cell_scores(course: Path, lab: str, student: str) -> dict[str, tuple[float, float]]:
    """``{grade_id: (score, max_score)}`` of every autograded cell, from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        submission = gb.find_submission(lab, student)
        return {grade.name: (float(grade.score), float(grade.max_score))
                for nb in submission.notebooks for grade in nb.grades
                if grade.auto_score is not None}


def check_lab_with_nbgrader(lab: str, root: Path | None = None, jobs: int = 2) -> list[str]:
    """Grade the completed and the blank release of ``lab`` with nbgrader; list what is wrong.

    Returns:
        One sentence per problem: a grading status other than ``graded``, a test cell the
        completed release does not pass in full, a test cell the blank release scores on; empty
        when the lab grades as it should.
    """
    problems = []
    with tempfile.TemporaryDirectory(prefix=f"dlmia-nbgrader-{lab}-") as tmp:
        course = Path(tmp)
        make_course(lab, course, {"solution": "solution", "blank": "blank"}, root=root)
        with environment({SMOKE_ENV: "1"}):
            table = autograde_all(lab, course, ["solution", "blank"], jobs=jobs)
        for row in table.itertuples():
            if row.status != "graded":
                problems.append(f"{lab}: nbgrader did not grade the {row.student} notebook "
                                f"({row.status}: {row.message}).")
        if problems:
            return problems
        solved = cell_scores(course, lab, "solution")
        source = read_notebook(course / "solutions" / lab / f"{lab}.ipynb")
        expected = {nbgrader_meta(c)["grade_id"] for c in test_cells(source)}
        if set(solved) != expected:
            problems.append(f"{lab}: nbgrader recorded test cells {sorted(solved)}, the source "
                            f"has {sorted(expected)}.")
        for gid, (score, top) in sorted(solved.items()):
            if score != top:
                problems.append(f"{lab}: through nbgrader the completed release scores {score:g} "
                                f"of {top:g} on test cell {gid}.")
        for gid, (score, _) in sorted(cell_scores(course, lab, "blank").items()):
            if score > 0:
                problems.append(f"{lab}: through nbgrader the blank release scores {score:g} on "
                                f"test cell {gid}.")
    return problems
