"""A graded test cell does not lose its points for stderr output; an error still fails it."""

from __future__ import annotations

import nbformat
import pytest
from nbgrader.utils import determine_grade

from common.grading.sandbox import KeepGoingExecute, _stderr_as_stdout


def _cell(source: str, grade_id: str, test: bool) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": test, "solution": not test, "locked": test,
                                 "grade_id": grade_id, "schema_version": 3, "task": False,
                                 **({"points": 2} if test else {})}
    return cell


def test_stderr_of_a_test_cell_becomes_marked_stdout():
    cell = _cell("assert True", "t", test=True)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="debug 1\ndebug 2\n")]
    assert determine_grade(cell)[0] == 0          # nbgrader's own rule
    _stderr_as_stdout(cell)
    assert cell.outputs[0]["name"] == "stdout"
    assert cell.outputs[0]["text"] == "[stderr] debug 1\n[stderr] debug 2\n"
    assert determine_grade(cell) == (2, 2)


def test_solution_cells_are_left_alone():
    cell = _cell("x = 1", "s", test=False)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="warn\n")]
    assert _stderr_as_stdout(cell).outputs[0]["name"] == "stderr"


@pytest.mark.slow
def test_executed_notebook_scores_right_answers_that_print_to_stderr(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("import sys, warnings\n\ndef answer():\n    print('debug', file=sys.stderr)\n"
              "    warnings.warn('a library warning')\n    return 42\n", "solution", test=False),
        _cell("assert answer() == 42", "right_with_stderr", test=True),
        _cell("print('noise', file=sys.stderr)\nassert answer() == 41", "wrong", test=True),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, _ = KeepGoingExecute(timeout=120).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    right, wrong = executed.cells[1], executed.cells[2]
    assert any("[stderr] debug" in o.get("text", "") for o in right.outputs)
    assert determine_grade(right) == (2, 2)
    assert determine_grade(wrong)[0] == 0
