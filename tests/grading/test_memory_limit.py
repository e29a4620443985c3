"""The whole-tree memory kill leaves room for the sandboxed kernel's own limit to act first."""

import sys

import nbformat
import pytest

from common.grading import autograde

LAB = "lab_x"
#: a stand-in for the nbgrader process: holds ~300 MB for a few seconds, then exits cleanly.
HOG = [sys.executable, "-c", "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * "
       "len(b[::4096]); time.sleep(4)"]


@pytest.fixture
def course(tmp_path, monkeypatch):
    folder = tmp_path / "submitted" / "amy" / LAB
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), folder / f"{LAB}.ipynb")
    monkeypatch.setattr(autograde, "_nbgrader_command", lambda *args, **kw: HOG)
    return tmp_path


@pytest.mark.parametrize("sandbox, status", [(False, "memory"), (True, "graded")])
def test_tree_limit_is_the_kernel_limit_plus_the_grader_allowance(course, sandbox, status):
    result = autograde.autograde_student(LAB, "amy", course, memory_mb=100,
                                         notebook_timeout=60, sandbox=sandbox)
    assert result.status == status, result
    if status == "memory":
        assert result.message == ("killed: the grading processes used more than 100 MB, so "
                                  "nothing was graded.")
        assert result.peak_mb > 100
    else:
        assert autograde.GRADER_ALLOWANCE_MB + 100 > result.peak_mb > 100
