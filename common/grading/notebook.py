"""Reading, executing and scoring nbgrader notebooks without a course database.

Scores use nbgrader's own rule (:func:`nbgrader.utils.determine_grade`): a test cell earns its
points unless it shows an error or writes to stderr.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ContextManager, Mapping

import nbformat
from nbformat import NotebookNode

from ..env import NBGRADER_EXECUTION_ENV, PROGRESS_ENV, SMOKE_ENV, environment
from ..errors import CourseError

__all__ = ["read_notebook", "write_clean", "is_clean", "strip_outputs", "test_cells",
           "manual_cells", "solution_cells", "execute", "scores", "blank_with_hidden_tests",
           "smoke_env", "CellScore", "replace_solution", "truncate_after", "nbgrader_meta",
           "is_test_cell", "block_line_numbers", "secret_lines", "MIN_SECRET_CHARS"]

#: Secret lines shorter than this (``_x = 1``) occur by chance elsewhere and are not searched for.
MIN_SECRET_CHARS = 12

KERNEL_SPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


@dataclass(frozen=True)
class CellScore:
    """The score of one autograded test cell."""

    grade_id: str
    points: float
    max_points: float
    error: str

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


def read_notebook(path: Path | str) -> NotebookNode:
    """Read a notebook (nbformat v4)."""
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata (empty for a cell nbgrader does not know)."""
    return cell.get("metadata", {}).get("nbgrader", {})


_meta = nbgrader_meta


def is_test_cell(cell) -> bool:
    """An autograded test cell: a code cell with ``grade`` true and ``solution`` false."""
    return cell.cell_type == "code" and bool(_meta(cell).get("grade")) \
        and not _meta(cell).get("solution")


def test_cells(nb: NotebookNode) -> list[NotebookNode]:
    """Autograded test cells: code cells with ``grade`` true and ``solution`` false."""
    return [c for c in nb.cells if is_test_cell(c)]


def manual_cells(nb: NotebookNode) -> list[NotebookNode]:
    """Manually graded answer cells (``grade`` and ``solution`` both true)."""
    return [c for c in nb.cells if _meta(c).get("grade") and _meta(c).get("solution")]


def solution_cells(nb: NotebookNode) -> list[NotebookNode]:
    """Cells students write in (``solution`` true)."""
    return [c for c in nb.cells if _meta(c).get("solution")]


def strip_outputs(nb: NotebookNode) -> NotebookNode:
    """Remove outputs, execution counts and personal metadata; fix the kernelspec."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)
    nb.metadata = {"kernelspec": dict(KERNEL_SPEC),
                   "language_info": {"name": "python"}}
    return nb


def is_clean(nb: NotebookNode) -> list[str]:
    """Problems that make a notebook unclean (empty list when clean)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"cell {i} has outputs or an execution count")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append("the kernelspec is not python3")
    return problems


def write_clean(nb: NotebookNode, path: Path | str) -> None:
    """Write ``nb`` without outputs."""
    nbformat.write(strip_outputs(nb), str(path))


def smoke_env(extra: Mapping[str, str | None] | None = None) -> ContextManager[None]:
    """Grade-like environment for kernels started inside the block: the smoke run, no progress
    bars, and ``NBGRADER_EXECUTION=autograde`` as under ``nbgrader autograde``.

    Args:
        extra: more variables to set (``None`` unsets one), e.g. ``{RUN_DIR_ENV: "/tmp/out"}``.

    Returns:
        A context manager (:func:`common.env.environment`) that restores the variables on exit.
    """
    return environment({SMOKE_ENV: "1", PROGRESS_ENV: "0", NBGRADER_EXECUTION_ENV: "autograde",
                        **(extra or {})})


def _cell_label(nb: NotebookNode, index: int) -> str:
    gid = _meta(nb.cells[index]).get("grade_id")
    return f"cell {index}" + (f" ({gid})" if gid else "")


def execute(nb: NotebookNode, cwd: Path | str, timeout: int = 300, allow_errors: bool = True,
            save_to: Path | str | None = None) -> NotebookNode:
    """Execute a copy of ``nb`` in ``cwd`` with nbclient and return it.

    The kernel (``python3``) inherits this process's environment (see :func:`smoke_env`).

    Args:
        nb: the notebook; it is not modified.
        cwd: the kernel's working folder.
        timeout: seconds each cell may run.
        allow_errors: keep going after a failing cell (grading); when False the first failing
            cell stops the run with a :class:`CourseError`.
        save_to: where to write the executed notebook, outputs included, also after a failure.

    Returns:
        The executed copy.

    Raises:
        CourseError: when a cell runs past ``timeout``, the kernel dies, or (``allow_errors``
            False) a cell raises; the message names the cell and the error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = copy.deepcopy(nb)
    current = {"index": 0}

    def started(cell, cell_index, **_) -> None:
        current["index"] = cell_index

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}}, on_cell_start=started)
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        if save_to is not None:
            nbformat.write(nb, str(save_to))
        if isinstance(exc, CellTimeoutError):
            error = f"a cell timeout ({timeout} s)"
        elif isinstance(exc, DeadKernelError):
            error = "a dead kernel (out of memory?)"
        else:
            error = (f"{exc.ename}: {exc.evalue}".strip().splitlines() or ["an error"])[0][:200]
        name = Path(save_to).name if save_to is not None else "The notebook"
        look = (f"open {save_to} to see the failing cell" if save_to is not None
                else "run it in Jupyter to see the traceback")
        raise CourseError(f"{name} stopped at {_cell_label(nb, current['index'])} with {error}; "
                          f"{look}.") from None
    if save_to is not None:
        nbformat.write(nb, str(save_to))
    return nb


def _error_text(cell) -> str:
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            return f"{out.ename}: {out.evalue}"[:300]
        if out.output_type == "stream" and out.name == "stderr":
            return "stderr: " + out.text.strip()[:300]
    return ""


def scores(nb: NotebookNode) -> dict[str, CellScore]:
    """Score every autograded test cell of an executed notebook with nbgrader's rule."""
    from nbgrader.utils import determine_grade

    out = {}
    for cell in test_cells(nb):
        points, max_points = determine_grade(cell)
        out[_meta(cell)["grade_id"]] = CellScore(_meta(cell)["grade_id"], float(points or 0.0),
                                                 float(max_points), _error_text(cell))
    return out


def blank_with_hidden_tests(nb: NotebookNode) -> NotebookNode:
    """What a student who changed nothing submits, with the hidden tests put back.

    Solution regions are replaced by nbgrader's stubs (``raise NotImplementedError()``) exactly as
    ``generate_assignment`` does; hidden tests stay, as ``autograde`` restores them.
    """
    from nbgrader.preprocessors import ClearSolutions

    nb = copy.deepcopy(nb)
    nb, _ = ClearSolutions().preprocess(nb, {})
    return nb


def replace_solution(nb: NotebookNode, grade_id: str, source: str) -> NotebookNode:
    """A copy of ``nb`` whose solution cell ``grade_id`` holds ``source``."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") == grade_id:
            cell.source = source
            return nb
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def truncate_after(nb: NotebookNode, grade_ids: list[str]) -> NotebookNode:
    """A copy of ``nb`` that ends with the last of the cells named by ``grade_ids``."""
    nb = copy.deepcopy(nb)
    last = max(i for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") in grade_ids)
    nb.cells = nb.cells[: last + 1]
    return nb


_MARKERS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def block_line_numbers(source: str, kinds=("SOLUTION", "HIDDEN TESTS")) -> set[int]:
    """1-based numbers of the lines of ``### BEGIN KIND`` … ``### END KIND`` blocks, markers
    included, for each kind in ``kinds``."""
    numbers, inside = set(), None
    for number, line in enumerate(source.split("\n"), start=1):
        if inside is None:
            inside = next((k for k in kinds if f"### BEGIN {k}" in line), None)
        if inside is not None:
            numbers.add(number)
            if f"### END {inside}" in line:
                inside = None
    return numbers


def secret_lines(nb: NotebookNode, kinds=("SOLUTION", "HIDDEN TESTS"),
                 min_chars: int = MIN_SECRET_CHARS) -> list[str]:
    """Stripped lines of ``nb``'s solution and/or hidden-test blocks that appear nowhere else in it.

    Args:
        nb: a source notebook (or an autograded one, where nbgrader has put hidden tests back).
        kinds: which blocks are secret: ``"SOLUTION"``, ``"HIDDEN TESTS"`` or both.
        min_chars: shortest line returned.

    Returns:
        The lines, sorted; markers and comment lines excluded. Lines the notebook also has outside
        any such block (a shared import, ``model.eval()``) give nothing away and are left out.
    """
    inside, outside = set(), set()
    for cell in nb.cells:
        numbers = block_line_numbers(cell.source, kinds)
        for number, line in enumerate(cell.source.split("\n"), start=1):
            (inside if number in numbers else outside).add(line.strip())
    return sorted(ln for ln in inside - outside if len(ln) >= min_chars and not ln.startswith("#"))
