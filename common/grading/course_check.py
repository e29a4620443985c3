"""The course check: solutions earn full marks, blanks earn nothing, nothing leaks.

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

from ..paths import repo_root
from .notebook import (CellScore, blank_with_hidden_tests, execute, is_clean, manual_cells,
                       read_notebook, replace_solution, scores, smoke_env, test_cells,
                       truncate_after)
from .references import (hidden_names, hidden_references, imported_references, imports_for_tests_only,
                         offered_references, probe_cell)

__all__ = ["LabCheck", "check_lab", "leaked_lines", "check_wrong_answers", "run_graded",
           "with_reference_probes"]

_BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.S)


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

    Lines that the source also has outside any block (a shared import, ``model.eval()``) are not
    counted, nor are lines shorter than 12 characters.
    """
    inside, outside = set(), set()
    for cell in source_nb.cells:
        blocks = [m.group(2) for m in _BLOCK.finditer(cell.source)]
        for b in blocks:
            inside |= _lines(b)
        outside |= _lines(_BLOCK.sub("", cell.source))
    secret = {ln for ln in inside - outside if len(ln) >= 12 and not ln.startswith("#")}
    released = set()
    for cell in release_nb.cells:
        released |= _lines(cell.source)
    return sorted(secret & released)


def run_graded(nb, lab: str, timeout: int = 300) -> tuple[object, dict[str, CellScore]]:
    """Execute ``nb`` as the autograder would (smoke run, in a student-like folder)."""
    with tempfile.TemporaryDirectory(prefix="dlmia-grade-") as tmp:
        cwd = Path(tmp) / "autograded" / "student" / lab
        cwd.mkdir(parents=True)
        with smoke_env({"DLMIA_RUN_DIR": str(cwd / "outputs")}):
            executed = execute(nb, cwd, timeout=timeout)
    return executed, scores(executed)


def check_lab(lab: str, root: Path | None = None, timeout: int = 300,
              run: bool = True) -> LabCheck:
    """Check one lab's source and release notebooks.

    Args:
        lab: assignment id.
        root: repository root.
        timeout: per-cell timeout in seconds.
        run: execute the notebooks (the slow part); False checks only structure and leaks.

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


def check_wrong_answers(lab: str, wrong: Mapping[str, tuple[str, Sequence[str]]],
                        root: Path | None = None, timeout: int = 300) -> list[str]:
    """Substitute each plausible wrong answer and check that its tests fail.

    Args:
        lab: assignment id.
        wrong: ``{solution grade_id: (wrong source, [test grade_ids that must fail])}``.

    Returns:
        One problem per test cell that still passed (empty when every wrong answer is caught).
    """
    root = Path(root or repo_root())
    source = read_notebook(root / "solutions" / lab / f"{lab}.ipynb")
    problems = []
    for sol_id, (code, must_fail) in wrong.items():
        nb = truncate_after(replace_solution(source, sol_id, code), list(must_fail))
        _, result = run_graded(nb, lab, timeout)
        for test_id in must_fail:
            if test_id not in result:
                problems.append(f"{lab}: test cell {test_id} does not exist.")
            elif result[test_id].passed:
                problems.append(f"{lab}: test cell {test_id} passes with the wrong answer to "
                                f"{sol_id}.")
    return problems
