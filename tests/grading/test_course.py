"""The course check on every lab: full marks, zero for blanks, wrong answers caught, release in sync.

These execute notebooks in their smoke configuration (seconds to a minute each).
"""

import pytest

from wrong_answers import WRONG_ANSWERS

from common.grading.course_check import check_lab, check_wrong_answers
from common.grading.notebook import read_notebook, solution_cells
from common.grading.release import lab_ids, release_differences
from common.paths import repo_root

LABS = lab_ids()


@pytest.mark.slow
def test_release_is_in_sync_with_solutions():
    assert release_differences(LABS) == []


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_solution_full_marks_and_blank_zero(lab):
    report = check_lab(lab)
    assert report.problems == []
    assert report.solution and all(s.passed for s in report.solution.values())
    assert report.blank.keys() == report.solution.keys()
    assert all(s.points == 0 for s in report.blank.values())


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_plausible_wrong_answers_fail(lab):
    wrong = WRONG_ANSWERS.get(lab)
    assert wrong, f"declare plausible wrong answers for {lab} in tests/grading/wrong_answers.py"
    source = read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")
    solution_ids = {c.metadata["nbgrader"]["grade_id"] for c in solution_cells(source)
                    if c.cell_type == "code"}
    assert solution_ids <= set(wrong), f"no wrong answer for {sorted(solution_ids - set(wrong))}"
    assert check_wrong_answers(lab, wrong) == []
