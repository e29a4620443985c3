"""Feedback without hidden tests: traceback rewriting, and nbgrader's own pipeline end to end."""

import copy
import shutil

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbgrader.preprocessors import ClearHiddenTests

from common.cli import main
from common.env import RUN_DIR_ENV, SMOKE_ENV
from common.errors import CourseError
from common.grading.course_check import leaked_lines
from common.grading.feedback import (PLACEHOLDER, generate_feedback, hidden_test_lines,
                                     hide_hidden_tests, html_text, leaked_hidden_lines)
from common.grading.nbgrader_cli import nbgrader
from common.grading.notebook import read_notebook, write_clean
from common.paths import repo_root

LAB = "lab01_digits_mlp"
RED, GREEN, RESET = "\x1b[31m", "\x1b[32m", "\x1b[39m"

TEST_SOURCE = '''"""f: doubles its input."""
assert f(1) == 2, "f(1) must be 2"
### BEGIN HIDDEN TESTS
_secret_value = f(21)
assert _secret_value == 42, "f(21) must be 42"
### END HIDDEN TESTS'''


def _frame(count, line, lines, func=""):
    head = f"\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m{GREEN}In[{count}]{RESET}{GREEN}, line {line}{RESET}"
    head += f", in {func}" if func else ""
    body = [(f"{GREEN}---> {RESET}{GREEN}{n}{RESET} {text}" if n == line
             else f"{GREEN}   {n:>3}{RESET} {text}") for n, text in lines]
    return "\n".join([head, *body])


def _notebook():
    student = nbformat.v4.new_code_cell(
        "def f(x):\n    print('_secret_value = f(21)')\n    return x * 2 if x < 10 else 0",
        execution_count=1, metadata={"nbgrader": {"grade_id": "f", "solution": True,
                                                  "grade": False, "locked": False}})
    test = nbformat.v4.new_code_cell(TEST_SOURCE, execution_count=2, metadata={"nbgrader": {
        "grade_id": "f_doubles", "grade": True, "solution": False, "locked": True, "points": 1}})
    src = TEST_SOURCE.split("\n")
    test.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="_secret_value = f(21)\nvisible\n"),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="f(21) must be 42", traceback=[
            f"{RED}{'-' * 75}{RESET}",
            f"{RED}AssertionError{RESET}                            Traceback (most recent call last)",
            _frame(2, 5, [(n, src[n - 1]) for n in range(1, 7)]),
            f"{RED}AssertionError{RESET}: f(21) must be 42"]),
    ]
    nb = nbformat.v4.new_notebook(cells=[student, test])
    return nb


def test_hidden_lines_leave_the_traceback_and_the_outputs():
    nb = hide_hidden_tests(_notebook())
    outputs = nb.cells[1].outputs
    assert outputs[0].text == f"{PLACEHOLDER}\nvisible\n"
    error = outputs[1]
    assert error.ename == "AssertionError" and error.evalue == "f(21) must be 42"
    text = "\n".join(error.traceback)
    assert "_secret_value" not in text and "BEGIN HIDDEN" not in text and "f(21) ==" not in text
    assert "failed in a hidden test of f_doubles" in text
    assert 'assert f(1) == 2, "f(1) must be 2"' in text          # the visible context stays
    assert text.endswith("AssertionError\x1b[39m: f(21) must be 42")


def test_a_failing_visible_line_keeps_its_frame_and_frames_of_student_code_stay():
    nb = _notebook()
    src = TEST_SOURCE.split("\n")
    nb.cells[1].outputs[1].traceback[2:3] = [
        _frame(2, 2, [(n, src[n - 1]) for n in range(1, 5)]),
        _frame(1, 3, [(1, "def f(x):"), (3, "    return x * 2 if x < 10 else 0")], func="f(x)")]
    text = "\n".join(hide_hidden_tests(nb).cells[1].outputs[1].traceback)
    assert "hidden test" not in text and "_secret_value" not in text
    assert "---> \x1b[39m\x1b[32m2\x1b[39m assert f(1) == 2" in text
    assert "in f(x)" in text and "return x * 2 if x < 10 else 0" in text


def test_frames_in_the_older_ipython_format_are_rewritten_too():
    nb = _notebook()
    src = TEST_SOURCE.split("\n")
    old = _frame(2, 5, [(n, src[n - 1]) for n in range(1, 7)]).split("\n")
    old[0] = "\x1b[0;32m<ipython-input-2-9f8e7d6c5b4a>\x1b[0m in \x1b[0;36m<module>\x1b[0;34m"
    nb.cells[1].outputs[1].traceback[2] = "\n".join(old)
    text = "\n".join(hide_hidden_tests(nb, secrets=[]).cells[1].outputs[1].traceback)
    assert "_secret_value" not in text and "failed in a hidden test of f_doubles" in text


def test_hidden_test_lines_and_leak_detection():
    nb = _notebook()
    assert hidden_test_lines(nb) == ['_secret_value = f(21)', 'assert _secret_value == 42, "f(21) must be 42"']
    page = "<pre><span>_secret_value</span> <span>=</span> f(21)</pre><p>&quot;ok&quot;</p>"
    assert html_text(page).startswith("_secret_value = f(21)")
    assert leaked_hidden_lines(page, hidden_test_lines(nb)) == ["_secret_value = f(21)"]


def test_feedback_needs_autograded_students(tmp_path):
    with pytest.raises(CourseError, match="autograde"):
        generate_feedback(LAB, tmp_path)
    assert main(["grade", "feedback", LAB, "--course", str(tmp_path)]) == 1


# --- end to end through nbgrader -----------------------------------------------------------------

#: What the student gets wrong: each passes the visible checks and fails a hidden one, except
#: write_submission, left as the release's stub (its traceback runs through the student's cell).
WRONG = {"simple_nn": ("nn.Dropout(dropout)", "nn.Dropout(0.2)"),
         "evaluate": ('average="macro"', 'average="micro"')}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copy(repo_root() / "nbgrader_config.py", root)
    shutil.copytree(repo_root() / "solutions" / LAB, root / "solutions" / LAB)
    env = {SMOKE_ENV: "1", RUN_DIR_ENV: str(root / "runs")}   # never the course's runs/
    nbgrader("generate_assignment", LAB, "--force", cwd=root, env=env)
    solution = read_notebook(root / "solutions" / LAB / f"{LAB}.ipynb")
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    answers.pop("write_submission")
    for gid, (right, wrong) in WRONG.items():
        assert right in answers[gid]
        answers[gid] = answers[gid].replace(right, wrong)
    nb = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    folder = root / "submitted" / "mallory" / LAB
    folder.mkdir(parents=True)
    write_clean(nb, folder / f"{LAB}.ipynb")
    (folder / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    nbgrader("autograde", LAB, "--force", cwd=root, env=env)
    return root, solution


@pytest.mark.slow
def test_feedback_shows_no_hidden_test_line(graded, capsys):
    root, solution = graded
    assert main(["grade", "feedback", LAB, "--course", str(root), "--students", "mallory"]) == 0
    assert "1 feedback page" in capsys.readouterr().out
    page = (root / "feedback" / "mallory" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    text = html_text(page)

    # Every hidden-test line of the source, counted as the course check counts leaks.
    only_hidden = copy.deepcopy(solution)
    for cell in only_hidden.cells:
        cell.source = cell.source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    shown = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text + "\n" + page)])
    secrets = hidden_test_lines(solution)
    assert len(secrets) > 20
    assert leaked_lines(only_hidden, shown) == []
    assert leaked_hidden_lines(page, secrets) == []
    assert "BEGIN HIDDEN TESTS" not in page

    # The test can fail: the same notebook rendered with ClearHiddenTests alone leaks.
    autograded = read_notebook(root / "autograded" / "mallory" / LAB / f"{LAB}.ipynb")
    cleared, _ = ClearHiddenTests().preprocess(copy.deepcopy(autograded), {})
    plain, _ = HTMLExporter().from_notebook_node(cleared)
    assert leaked_hidden_lines(plain, secrets)

    # What the student should see stays: visible tests, the failures' messages, the scores.
    for visible in ['assert _kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 2 + '
                    '["Linear"], f"got {_kinds}"',
                    'assert abs(_res["accuracy"] - np.mean(_ye == _ref)) < 1e-9, "accuracy is '
                    'the fraction of correct predictions"']:
        assert visible in text
    assert "AssertionError: use the dropout argument" in text
    assert "AssertionError: use macro averaging" in text
    assert "failed in a hidden test of simple_nn_block_order" in text
    assert "NotImplementedError" in text and "write_submission" in text
    assert "Score: 1.0 / 1.0" in text and "Score: 0.0 / 2.0" in text
