"""The course check: solutions earn full marks, blanks earn nothing, nothing leaks, wrong answers fail.

Structural rules (no kernel): the source has test cells, hidden tests and a written answer, it is
clean, the release leaks nothing, and every heading that states points (``## Task 2 — … (3
points)``, ``## Written answer (3 points)``) states the sum of its graded cells' points
(:func:`stated_points_problems`). Executed rules: the solution earns full marks, the blank release
earns nothing and offers no reference, and each plausible wrong answer fails the test cells it
targets (:func:`check_wrong_answers`).

Example:
    >>> report = check_lab("lab01_digits_mlp")
    >>> report.ok, report.problems
"""

from __future__ import annotations

import copy
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from nbformat import NotebookNode

from ..paths import repo_root
from .notebook import (CellScore, blank_with_hidden_tests, execute, is_clean, manual_cells,
                       read_notebook, replace_solution, scores, secret_lines, smoke_env,
                       test_cells, truncate_after)
from .references import (hidden_names, hidden_references, imported_references, imports_for_tests_only,
                         offered_references, probe_cell)

__all__ = ["LabCheck", "check_lab", "leaked_lines", "stated_points_problems", "WrongAnswer",
           "WrongAnswerOutcome", "check_wrong_answers", "untargeted_test_cells", "run_graded",
           "with_reference_probes"]

_HEADING = re.compile(r"^##\s+(?P<title>.*?)\s*$")
_STATED = re.compile(r"\((?P<points>\d+(?:\.\d+)?)\s+points?\)\s*$")
_MUST_STATE = ("Task ", "Written answer")

#: ``(wrong source, [test grade_ids that must fail])``: one plausible wrong answer to a solution cell.
WrongAnswer = tuple[str, Sequence[str]]


@dataclass
class LabCheck:
    """Outcome of :func:`check_lab`."""

    lab: str
    problems: list[str] = field(default_factory=list)
    solution: dict[str, CellScore] = field(default_factory=dict)
    blank: dict[str, CellScore] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _lines(text: str) -> set[str]:
    return {ln.strip() for ln in text.splitlines() if ln.strip()}


def leaked_lines(source_nb, release_nb) -> list[str]:
    """Lines of solution or hidden-test blocks in the source that also appear in the release.

    The secret lines are :func:`~common.grading.notebook.secret_lines` (lines the source also has
    outside any block, and lines shorter than 12 characters, are not counted).
    """
    released = set()
    for cell in release_nb.cells:
        released |= _lines(cell.source)
    return sorted(set(secret_lines(source_nb)) & released)


@dataclass
class _Section:
    """A level-2 heading, the points it states (None: none) and its graded cells' points."""

    title: str
    stated: float | None
    cells: dict[str, float] = field(default_factory=dict)


def _points(cell) -> float:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return float(meta.get("points") or 0) if meta.get("grade") else 0.0


def _fmt(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def stated_points_problems(nb: NotebookNode) -> list[str]:
    """Headings whose stated points differ from the points of the graded cells below them.

    A section runs from a level-2 heading (``## …``) to the next one. A heading that ends in
    ``(K points)`` must state the sum of the points of the graded cells in its section: autograded
    test cells under ``## Task N — … (K points)``, the manually graded answer under ``## Written
    answer (K points)``. A task or written-answer heading must state its points, and a graded
    cell must sit under a heading that states them.

    Args:
        nb: an nbgrader source notebook (nothing is executed).

    Returns:
        One sentence per disagreement, naming the heading and both numbers (empty when all agree).
    """
    sections: list[_Section] = []
    problems = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                heading = _HEADING.match(line)
                if heading:
                    stated = _STATED.search(heading.group("title"))
                    sections.append(_Section(heading.group("title"),
                                             float(stated.group("points")) if stated else None))
        points = _points(cell)
        if not points:
            continue
        gid = cell.metadata["nbgrader"].get("grade_id", "?")
        if sections:
            sections[-1].cells[gid] = points
        else:
            problems.append(f"graded cell {gid} ({_fmt(points)}) comes before any heading; put it "
                            f"under a heading that states its points.")
    for section in sections:
        total, cells = sum(section.cells.values()), ", ".join(section.cells)
        if section.stated is None:
            if section.title.startswith(_MUST_STATE):
                problems.append(f"heading {section.title!r} states no points; end it with "
                                f"'({_fmt(total)})'.")
            elif cells:
                problems.append(f"heading {section.title!r} states no points but its cells {cells} "
                                f"are graded ({_fmt(total)}); state them in the heading.")
        elif section.stated != total:
            found = f"graded cells {cells} give {_fmt(total)}" if cells else "no graded cell follows it"
            problems.append(f"heading {section.title!r} states {_fmt(section.stated)} but "
                            f"{found}; make the heading say {_fmt(total)} or change the cells' "
                            f"points.")
    return problems


def run_graded(nb, lab: str, timeout: int = 300) -> tuple[object, dict[str, CellScore]]:
    """Execute ``nb`` as the autograder would (smoke run, in a student-like folder)."""
    with tempfile.TemporaryDirectory(prefix="dlmia-grade-") as tmp:
        cwd = Path(tmp) / "autograded" / "student" / lab
        cwd.mkdir(parents=True)
        with smoke_env({"DLMIA_RUN_DIR": str(cwd / "outputs")}):
            executed = execute(nb, cwd, timeout=timeout)
    return executed, scores(executed)


def check_lab(lab: str, root: Path | None = None, timeout: int = 300,
              run: bool = True, run_solution: bool = True) -> LabCheck:
    """Check one lab's source and release notebooks.

    Args:
        lab: assignment id.
        root: repository root.
        timeout: per-cell timeout in seconds.
        run: execute the notebooks (the slow part); False checks only structure and leaks.
        run_solution: also execute the solution (False: only the blank release with reference
            probes, when the solution is graded elsewhere, e.g. through nbgrader).

    Returns:
        A :class:`LabCheck` whose ``problems`` is empty when every rule holds.
    """
    root = Path(root or repo_root())
    report = LabCheck(lab)
    src_path = root / "solutions" / lab / f"{lab}.ipynb"
    rel_path = root / "labs" / lab / f"{lab}.ipynb"
    source = read_notebook(src_path)
    tests = test_cells(source)
    if not tests:
        report.problems.append(f"{lab}: the source notebook has no autograded test cell.")
    if not manual_cells(source):
        report.problems.append(f"{lab}: the source notebook has no manually graded answer.")
    if "### BEGIN HIDDEN TESTS" not in "".join(c.source for c in tests):
        report.problems.append(f"{lab}: no test cell has hidden tests.")
    for problem in stated_points_problems(source):
        report.problems.append(f"solutions/{lab}: {problem}")
    for problem in imports_for_tests_only(source):
        report.problems.append(f"solutions/{lab}: {problem}")
    for problem in is_clean(source):
        report.problems.append(f"solutions/{lab}: {problem}; save it without outputs.")
    if rel_path.is_file():
        release = read_notebook(rel_path)
        for problem in is_clean(release):
            report.problems.append(f"labs/{lab}: {problem}.")
        for line in leaked_lines(source, release):
            report.problems.append(f"labs/{lab} leaks solution or hidden-test text: {line!r}")
        for problem in imported_references(source, release):
            report.problems.append(f"labs/{lab}: {problem}")
    else:
        report.problems.append(f"labs/{lab} has no notebook; run `dlmia grade release {lab}`.")
    if not run:
        return report
    if run_solution:
        _, report.solution = run_graded(source, lab, timeout)
    for s in report.solution.values():
        if not s.passed:
            report.problems.append(f"{lab}: the solution fails test cell {s.grade_id} ({s.error}).")
    blank, report.blank = run_graded(with_reference_probes(blank_with_hidden_tests(source), source),
                                     lab, timeout)
    for s in report.blank.values():
        if s.points > 0:
            report.problems.append(f"{lab}: the blank release passes test cell {s.grade_id}.")
    report.problems += [f"{lab}: {p}" for p in offered_references(blank)]
    return report


def with_reference_probes(nb, source):
    """A copy of ``nb`` with reference probes before its first test cell and at its end.

    The first probe sees what the released cells above the first test offer; the last one sees
    every released cell, ignoring the names the hidden tests bind themselves.
    """
    refs = hidden_references(source)
    nb = copy.deepcopy(nb)
    if not refs:
        return nb
    tests = {id(c) for c in test_cells(nb)}
    first = next((i for i, c in enumerate(nb.cells) if id(c) in tests), len(nb.cells))
    nb.cells.insert(first, probe_cell(refs, label="before the first test cell"))
    nb.cells.append(probe_cell(refs, exclude=hidden_names(source), label="after the last cell"))
    return nb


@dataclass(frozen=True)
class WrongAnswerOutcome:
    """What one plausible wrong answer did to the test cells it targets.

    Attributes:
        solution_id: the solution cell it replaced.
        comment: its comment lines (what is wrong), joined by ``"; "``; ``""`` when it has none.
        targets: the test cells that must fail with it.
        wrongly_passed: targets that passed all the same.
        missing: targets that are not test cells of the lab.
        errors: the error each failing target showed (``{grade_id: "AssertionError: …"}``).
    """

    solution_id: str
    comment: str
    targets: tuple[str, ...]
    wrongly_passed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def caught(self) -> bool:
        """Every target exists and failed."""
        return not self.wrongly_passed and not self.missing

    def problems(self, lab: str) -> list[str]:
        """One sentence per target that is not a test cell or that passed."""
        what = f"the wrong answer to {self.solution_id}" + (f" ({self.comment})" if self.comment else "")
        return ([f"{lab}: test cell {t} does not exist (named by {what})." for t in self.missing]
                + [f"{lab}: test cell {t} passes with {what}." for t in self.wrongly_passed])


def _comment(code: str) -> str:
    """The comment lines of ``code`` (what a wrong answer gets wrong), joined by ``"; "``."""
    return "; ".join(line.strip().lstrip("#").strip() for line in code.splitlines()
                     if line.strip().startswith("#"))


def untargeted_test_cells(nb: NotebookNode,
                          wrong: Mapping[str, Sequence[WrongAnswer]]) -> list[str]:
    """Autograded test cells of ``nb`` that no wrong answer in ``wrong`` must fail.

    Args:
        nb: the lab's source notebook.
        wrong: ``{solution grade_id: [(wrong source, [test grade_ids that must fail]), ...]}``.

    Returns:
        The grade_ids of the test cells no plausible wrong answer checks, in notebook order.
    """
    targeted = {t for answers in wrong.values() for _, must_fail in answers
                for t in must_fail}
    return [c.metadata["nbgrader"]["grade_id"] for c in test_cells(nb)
            if c.metadata["nbgrader"]["grade_id"] not in targeted]


def check_wrong_answers(lab: str, wrong: Mapping[str, Sequence[WrongAnswer]],
                        root: Path | None = None, timeout: int = 300) -> list[WrongAnswerOutcome]:
    """Substitute each plausible wrong answer for its solution cell and run the tests it targets.

    Each wrong answer runs alone: the source notebook with that one solution cell replaced, up to
    the last test cell it targets, in the smoke configuration.

    Args:
        lab: assignment id.
        wrong: ``{solution grade_id: [(wrong source, [test grade_ids that must fail]), ...]}``.
        root: repository root.
        timeout: per-cell timeout in seconds.

    Returns:
        One :class:`WrongAnswerOutcome` per wrong answer, in the order given: its targets, those
        that wrongly passed and the error each failing target showed.

    Raises:
        KeyError: when a key of ``wrong`` is not a cell of the lab.
    """
    root = Path(root or repo_root())
    source = read_notebook(root / "solutions" / lab / f"{lab}.ipynb")
    known = {c.metadata["nbgrader"]["grade_id"] for c in test_cells(source)}
    outcomes = []
    for sol_id, answers in wrong.items():
        for code, must_fail in answers:
            targets = tuple(must_fail)
            missing = tuple(t for t in targets if t not in known)
            present = [t for t in targets if t in known]
            result = {}
            if present:
                nb = truncate_after(replace_solution(source, sol_id, code), present)
                _, result = run_graded(nb, lab, timeout)
            outcomes.append(WrongAnswerOutcome(
                sol_id, _comment(code), targets,
                wrongly_passed=tuple(t for t in present if result[t].passed),
                missing=missing,
                errors={t: result[t].error for t in present if not result[t].passed}))
    return outcomes
