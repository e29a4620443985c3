"""End to end through nbgrader itself: generate, submit, autograde in parallel, export.

Students: ``ada`` submits the release completed with the reference answers, ``bob`` the untouched release, ``eve`` the
solution with a locked test cell edited to pass trivially, ``hal`` a notebook that hangs at once, ``tim`` the completed
release that hangs after its first graded tasks.
"""

import shutil

import pytest

from common.grading.autograde import autograde_all, autograde_student, export_grades
from common.grading.nbgrader_cli import nbgrader
from common.grading.notebook import read_notebook, write_clean
from common.paths import repo_root

LAB = "lab01_digits_mlp"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy(repo_root() / "nbgrader_config.py", root)
    shutil.copytree(repo_root() / "solutions" / LAB, root / "solutions" / LAB)
    nbgrader("generate_assignment", LAB, "--force", cwd=root)
    release = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    solution = read_notebook(root / "solutions" / LAB / f"{LAB}.ipynb")

    def submit(student, nb):
        folder = root / "submitted" / student / LAB
        folder.mkdir(parents=True)
        write_clean(nb, folder / f"{LAB}.ipynb")
        (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")

    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    completed = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    for cell in completed.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    submit("ada", completed)
    submit("bob", release)
    tampered = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    for cell in tampered.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "simple_nn_output":
            cell.source = "pass  # edited"
    submit("eve", tampered)
    hang = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    for cell in hang.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "prepare_data":
            cell.source = "import time\nwhile True:\n    time.sleep(1)"
    submit("hal", hang)
    late = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    for cell in late.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
        if gid == "training_loop":       # after prepare_data's and simple_nn's tests
            cell.source += "\nimport time\nwhile True:\n    time.sleep(1)\n"
    submit("tim", late)
    return root


@pytest.mark.slow
def test_autograde_and_export(course):
    table = autograde_all(LAB, course, ["ada", "bob", "eve"], jobs=2)
    assert table["status"].tolist() == ["graded"] * 3, table.to_dict("records")
    assert table.set_index("student").loc["eve", "edited_cells"] == "simple_nn_output"
    assert table.set_index("student").loc["ada", "edited_cells"] == ""
    grades = export_grades(course).set_index("student_id")
    total = grades.loc["ada", "max_score"]
    manual_points = 3
    assert grades.loc["ada", "raw_score"] == total - manual_points    # every autograded point
    assert grades.loc["bob", "raw_score"] == 0                         # blank scores nothing
    assert grades.loc["eve", "raw_score"] == 0                         # edit undone, test fails


@pytest.mark.slow
def test_a_hanging_notebook_costs_only_its_own_grade(course):
    result = autograde_student(LAB, "hal", course, cell_timeout=600, notebook_timeout=40)
    assert result.status == "timeout" and "ran out of its 40 s" in result.message, result
    assert result.seconds < 40 + 60


@pytest.mark.slow
def test_a_notebook_out_of_time_keeps_the_points_it_earned(course):
    before = {"prepare_data_split": 1, "prepare_data_standardise": 2, "simple_nn_output": 1,
              "simple_nn_block_order": 2}
    result = autograde_student(LAB, "tim", course, cell_timeout=600, notebook_timeout=60)
    assert result.status == "timeout", result
    assert "train_one_epoch_steps" in result.message and "simple_nn_output" not in result.message
    grades = export_grades(course).set_index("student_id")
    assert grades.loc["tim", "raw_score"] == sum(before.values()), grades.loc["tim"].to_dict()
