"""A notebook that runs out of time keeps the points it earned before; the rest score 0."""

from __future__ import annotations

import sys
import time

import nbformat
from nbgrader.utils import determine_grade

from common.grading import autograde
from common.grading.sandbox import TIME_UP, KeepGoingExecute


def _cell(source: str, grade_id: str, test: bool) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": test, "solution": not test, "locked": test,
                                 "grade_id": grade_id, "schema_version": 3, "task": False,
                                 **({"points": 1} if test else {})}
    return cell


def test_the_cell_running_at_the_limit_is_interrupted_and_later_cells_do_not_run(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("x = 1", "setup", test=False),
        _cell("assert x == 1", "earned", test=True),
        _cell("import time\nwhile True:\n    time.sleep(0.2)", "hang", test=False),
        _cell("assert x == 1", "after", test=True),
        nbformat.v4.new_markdown_cell("text"),
        _cell("assert x == 1", "last", test=True),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.monotonic()
    executed, _ = KeepGoingExecute(timeout=600, notebook_timeout=12).preprocess(
        nb, {"metadata": {"path": str(tmp_path)}})
    took = time.monotonic() - start
    assert took < 60, f"the 12 s limit stopped the notebook only after {took:.0f} s"
    cells = executed.cells
    assert determine_grade(cells[1]) == (1, 1)                     # earned before the limit
    assert "CellTimeoutError" in {o.get("ename") for o in cells[2].outputs}   # interrupted
    for cell in (cells[3], cells[5]):                               # never ran
        assert [o.get("ename") for o in cell.outputs] == [TIME_UP]
        assert determine_grade(cell)[0] == 0


def test_without_a_limit_nothing_is_cut(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("import time\ntime.sleep(2)\nx = 1", "slow", test=False),
                _cell("assert x == 1", "after", test=True)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    executed, _ = KeepGoingExecute(timeout=60).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    assert determine_grade(executed.cells[1]) == (1, 1)


def test_a_grader_that_outlives_the_limit_is_killed(tmp_path, monkeypatch):
    """The tree is killed only when nbgrader itself hangs past the limit and its grace."""
    folder = tmp_path / "submitted" / "amy" / "lab_x"
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), folder / "lab_x.ipynb")
    hang = [sys.executable, "-c", "import time; time.sleep(120)"]
    monkeypatch.setattr(autograde, "_nbgrader_command", lambda *args, **kw: hang)
    monkeypatch.setattr(autograde, "GRACE_S", 2)
    result = autograde.autograde_student("lab_x", "amy", tmp_path, notebook_timeout=1,
                                         sandbox=False)
    assert result.status == "killed", result
    assert result.message == "killed: grading took longer than 3 s, so nothing was graded."
    assert result.seconds < 30
