"""Unit tests of the grading helpers on tiny synthetic notebooks (no kernel needed)."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from common.grading.course_check import leaked_lines
from common.grading.notebook import blank_with_hidden_tests, is_clean, scores, strip_outputs


def _meta(gid, **kw):
    base = {"grade": False, "grade_id": gid, "locked": False, "schema_version": 3,
            "solution": False, "task": False}
    base.update(kw)
    return {"nbgrader": base}


def _nb():
    sol = new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x * 2 + 1000\n    ### END SOLUTION",
                        metadata=_meta("f", solution=True))
    test = new_code_cell("assert f(1) == 1002\n### BEGIN HIDDEN TESTS\nassert f(2) == 1004\n### END HIDDEN TESTS",
                         metadata=_meta("t", grade=True, locked=True, points=2))
    return new_notebook(cells=[sol, test], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_blank_keeps_hidden_tests_and_stubs_solutions():
    blank = blank_with_hidden_tests(_nb())
    assert "raise NotImplementedError()" in blank.cells[0].source
    assert "return x * 2 + 1000" not in blank.cells[0].source
    assert "assert f(2) == 1004" in blank.cells[1].source


def test_leak_detection():
    nb = _nb()
    clean_release = blank_with_hidden_tests(nb)
    clean_release.cells[1].source = "assert f(1) == 1002"
    assert leaked_lines(nb, clean_release) == []
    leaky = blank_with_hidden_tests(nb)
    assert leaked_lines(nb, leaky) == ["assert f(2) == 1004"]


def test_scores_follow_nbgrader_rules():
    nb = _nb()
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="fine\n")]
    assert scores(nb)["t"].points == 2
    nb.cells[1].outputs = [new_output("stream", name="stderr", text="UserWarning: x\n")]
    assert scores(nb)["t"].points == 0 and "stderr" in scores(nb)["t"].error
    nb.cells[1].outputs = [new_output("error", ename="AssertionError", evalue="", traceback=[])]
    assert scores(nb)["t"].points == 0


def test_clean_check():
    nb = _nb()
    nb.cells[0].execution_count = 3
    assert is_clean(nb)
    assert is_clean(strip_outputs(nb)) == []
    nbformat.validate(strip_outputs(nb))


def test_parallel_graders_share_the_cores(monkeypatch):
    import os

    from common.grading.autograde import threads_per_job
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert threads_per_job(4) == {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    assert threads_per_job(16)["OMP_NUM_THREADS"] == "1"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads_per_job(4) == {}


def test_smoke_env_sets_and_restores(monkeypatch):
    import os

    from common.env import NBGRADER_EXECUTION_ENV, PROGRESS_ENV, RUN_DIR_ENV, SMOKE_ENV
    from common.grading.notebook import smoke_env

    monkeypatch.setenv(SMOKE_ENV, "0")
    monkeypatch.delenv(RUN_DIR_ENV, raising=False)
    with smoke_env({RUN_DIR_ENV: "/tmp/x"}):
        assert os.environ[SMOKE_ENV] == "1" and os.environ[PROGRESS_ENV] == "0"
        assert os.environ[NBGRADER_EXECUTION_ENV] == "autograde" and os.environ[RUN_DIR_ENV] == "/tmp/x"
    assert os.environ[SMOKE_ENV] == "0" and RUN_DIR_ENV not in os.environ


def test_execute_names_the_failing_cell_and_keeps_the_notebook(tmp_path):
    import pytest

    from common.errors import CourseError
    from common.grading.notebook import execute, read_notebook

    nb = new_notebook(cells=[new_code_cell("x = 1"),
                             new_code_cell("raise ValueError('bad shape')", metadata=_meta("fit")),
                             new_code_cell("y = 2")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    with pytest.raises(CourseError, match=r"run\.ipynb stopped at cell 1 \(fit\) with "
                                          r"ValueError: bad shape; open .*run\.ipynb"):
        execute(nb, tmp_path, timeout=60, allow_errors=False, save_to=tmp_path / "run.ipynb")
    saved = read_notebook(tmp_path / "run.ipynb")
    assert saved.cells[1].outputs[0].ename == "ValueError" and not saved.cells[2].outputs
    assert not nb.cells[1].get("outputs")                      # the input is left untouched
    graded = execute(nb, tmp_path, timeout=60)                 # grading keeps going
    assert graded.cells[1].outputs[0].output_type == "error" and graded.cells[2].execution_count


def _graded_nb(task_points=3, written_points=2):
    """A task heading, a solution and two test cells (1 + 2 points), then a written answer."""
    from nbformat.v4 import new_markdown_cell

    return new_notebook(cells=[
        new_markdown_cell("# Lab 00 — tiny\n\n## Setup"),
        new_markdown_cell(f"## Task 1 — Double it ({task_points} points)\n\nWrite `f`."),
        _nb().cells[0],
        new_code_cell("assert f(0) == 1000", metadata=_meta("t1", grade=True, locked=True, points=1)),
        _nb().cells[1],
        new_markdown_cell("## Training\n\nNothing to train."),
        new_markdown_cell(f"## Written answer ({written_points} points)"),
        new_markdown_cell("Why?", metadata=_meta("why", grade=True, solution=True, points=2)),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_stated_points_match_the_cells_below_each_heading():
    from common.grading.course_check import stated_points_problems

    assert stated_points_problems(_graded_nb()) == []
    wrong_task = stated_points_problems(_graded_nb(task_points=2))
    assert len(wrong_task) == 1 and "'Task 1 — Double it (2 points)' states 2 points" in wrong_task[0]
    assert "t1, t give 3 points" in wrong_task[0]
    wrong_written = stated_points_problems(_graded_nb(written_points=4))
    assert len(wrong_written) == 1 and "'Written answer (4 points)' states 4 points" in wrong_written[0]
    assert "cells why give 2 points" in wrong_written[0]


def test_stated_points_need_a_heading_that_states_them():
    from common.grading.course_check import stated_points_problems

    nb = _graded_nb()
    nb.cells[1].source = "## Task 1 — Double it\n\nWrite `f`."
    assert stated_points_problems(nb) == ["heading 'Task 1 — Double it' states no points; end it "
                                          "with '(3 points)'."]
    nb = _graded_nb()
    nb.cells[5], nb.cells[4] = nb.cells[4], nb.cells[5]        # test cell t under "## Training"
    problems = stated_points_problems(nb)
    assert len(problems) == 2 and "'Training' states no points but its cells t" in problems[1]


def test_untargeted_test_cells():
    from common.grading.course_check import untargeted_test_cells

    nb = _graded_nb()
    assert untargeted_test_cells(nb, {"f": [("# off by one\ndef f(x):\n    return 2 * x", ["t"])]}) == ["t1"]
    assert untargeted_test_cells(nb, {"f": [("# a", ["t"]), ("# b", ["t1", "t"])]}) == []


def test_check_wrong_answers_reports_each_answer(tmp_path):
    from common.grading.course_check import check_wrong_answers
    from common.grading.notebook import write_clean

    (tmp_path / "solutions" / "lab00").mkdir(parents=True)
    write_clean(_graded_nb(), tmp_path / "solutions" / "lab00" / "lab00.ipynb")
    wrong = {"f": [("def f(x):\n    # adds 1000 only for x = 0\n    return 1000 + 2 * x * (x != 0)", ["t1", "t"]),
                   ("def f(x):\n    # forgets the doubling\n    return x + 1000", ["t", "nope"])]}
    caught, missed = check_wrong_answers("lab00", wrong, root=tmp_path, timeout=60)
    assert (caught.solution_id, caught.comment, caught.targets) == ("f", "adds 1000 only for x = 0", ("t1", "t"))
    assert not caught.caught and caught.wrongly_passed == ("t1", "t") and caught.errors == {}
    assert missed.comment == "forgets the doubling" and missed.missing == ("nope",)
    assert missed.wrongly_passed == () and missed.errors["t"].startswith("AssertionError")
    assert missed.problems("lab00") == ["lab00: test cell nope does not exist (named by the wrong "
                                        "answer to f (forgets the doubling))."]


def test_check_lab_reports_a_heading_with_the_wrong_points(tmp_path):
    from common.grading.course_check import check_lab
    from common.grading.notebook import write_clean

    for folder in ("solutions", "labs"):
        (tmp_path / folder / "lab00").mkdir(parents=True)
    write_clean(blank_with_hidden_tests(_graded_nb()), tmp_path / "labs" / "lab00" / "lab00.ipynb")
    write_clean(_graded_nb(), tmp_path / "solutions" / "lab00" / "lab00.ipynb")
    assert not [p for p in check_lab("lab00", root=tmp_path, run=False).problems if "heading" in p]
    write_clean(_graded_nb(task_points=4), tmp_path / "solutions" / "lab00" / "lab00.ipynb")
    problems = check_lab("lab00", root=tmp_path, run=False).problems
    assert [p for p in problems if "heading" in p] == [
        "solutions/lab00: heading 'Task 1 — Double it (4 points)' states 4 points but graded cells "
        "t1, t give 3 points; make the heading say 3 points or change the cells' points."]
