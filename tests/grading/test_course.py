"""The course check on every lab: full marks, zero for blanks, wrong answers caught, release in sync.

The slow tests execute notebooks in their smoke configuration (seconds to a minute each); the
others read the notebooks only.
"""

import pytest

from wrong_answers import WRONG_ANSWERS

from common.grading.course_check import (check_lab, check_wrong_answers, stated_points_problems,
                                         untargeted_test_cells)
from common.grading.nbgrader_check import check_lab_with_nbgrader
from common.grading.notebook import read_notebook, solution_cells
from common.grading.release import lab_ids, release_differences
from common.paths import repo_root

LABS = lab_ids()


def _source(lab):
    return read_notebook(repo_root() / "solutions" / lab / f"{lab}.ipynb")


@pytest.mark.parametrize("lab", LABS)
def test_every_graded_cell_has_a_plausible_wrong_answer(lab):
    wrong = WRONG_ANSWERS.get(lab)
    assert wrong, f"declare plausible wrong answers for {lab} in tests/grading/wrong_answers.py"
    source = _source(lab)
    solution_ids = {c.metadata["nbgrader"]["grade_id"] for c in solution_cells(source)
                    if c.cell_type == "code"}
    assert solution_ids <= set(wrong), f"no wrong answer for {sorted(solution_ids - set(wrong))}"
    assert set(wrong) <= solution_ids, f"not solution cells of {lab}: {sorted(set(wrong) - solution_ids)}"
    assert untargeted_test_cells(source, wrong) == [], "test cells that no wrong answer must fail"
    for sol_id, answers in wrong.items():
        for code, must_fail in answers:
            assert must_fail, f"a wrong answer to {sol_id} names no test cell that must fail"
            assert "#" in code, f"a wrong answer to {sol_id} has no comment saying what is wrong"


@pytest.mark.parametrize("lab", LABS)
def test_task_headings_state_their_cells_points(lab):
    assert stated_points_problems(_source(lab)) == []


@pytest.mark.slow
def test_release_is_in_sync_with_solutions():
    assert release_differences(LABS) == []


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_blank_release_scores_zero_and_offers_no_reference(lab):
    report = check_lab(lab, run_solution=False)
    assert report.problems == []
    source = _source(lab)
    graded = {c.metadata["nbgrader"]["grade_id"] for c in source.cells
              if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    assert report.blank.keys() == graded
    assert all(s.points == 0 for s in report.blank.values())


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_solution_full_marks_and_blank_zero_through_nbgrader(lab):
    """Real nbgrader (generate_assignment, sandboxed autograde, its gradebook), every lab."""
    assert check_lab_with_nbgrader(lab) == []


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_plausible_wrong_answers_fail(lab):
    outcomes = check_wrong_answers(lab, WRONG_ANSWERS[lab])
    assert [p for o in outcomes for p in o.problems(lab)] == []
    # A target must fail on the mistake, not on a name an earlier cell left undefined.
    accidental = [(o.solution_id, o.comment, t, e) for o in outcomes for t, e in o.errors.items()
                  if e.startswith("NameError")]
    assert accidental == []
