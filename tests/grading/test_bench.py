"""The autograding benchmark: its course of completed copies, and its refusals."""

import pytest

from common.errors import CourseError
from common.grading.bench import bench_autograde, make_bench_course
from common.grading.notebook import nbgrader_meta, read_notebook

LAB = "lab01_digits_mlp"


def test_bench_course_holds_completed_copies(tmp_path):
    ids = make_bench_course(LAB, 3, tmp_path)
    assert ids == ["s01", "s02", "s03"]
    solution = read_notebook(tmp_path / "solutions" / LAB / f"{LAB}.ipynb")
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells
               if nbgrader_meta(c).get("solution")}
    for student in ids:
        copy = read_notebook(tmp_path / "submitted" / student / LAB / f"{LAB}.ipynb")
        got = {nbgrader_meta(c)["grade_id"]: c.source for c in copy.cells
               if nbgrader_meta(c).get("grade_id") in answers}
        assert got == answers
    assert (tmp_path / "gradebook.db").exists()
    assert "BEGIN HIDDEN TESTS" not in (tmp_path / "labs" / LAB / f"{LAB}.ipynb").read_text()


@pytest.mark.parametrize("lab, students, message", [
    ("lab99_nope", 8, "Unknown lab"),
    (LAB, 1, "at least 2 students"),
])
def test_bench_refuses_what_it_cannot_measure(lab, students, message):
    with pytest.raises(CourseError, match=message):
        bench_autograde(lab, students=students, verbose=False)
