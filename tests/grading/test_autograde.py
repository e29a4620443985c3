"""Hostile and broken lab01 submissions graded beside an honest one, through nbgrader itself.

Students: ``ada`` submits the reference answers; ``ian`` the same with an endless loop that the
cell timeout interrupts and, further down, one that ignores the interrupt; ``mal`` the same answers
plus a cell that tries
to delete ``ada``'s folders, print the gradebook, the solutions and the answer keys, reach the
network, fork without end, allocate 8 GiB and write the course's ``runs/``, and further down an
``os._exit(1)`` cell, with one test cell deleted; ``joe`` sends corrupt JSON; ``ren`` renamed his
notebook. Three notebooks run (one nbgrader call each); the others are refused before nbgrader.
"""

import os
import shutil
import socket
import textwrap

import nbformat
import pytest

from common.grading.autograde import autograde_all, check_submission, export_grades
from common.grading.nbgrader_cli import nbgrader
from common.grading.notebook import read_notebook, write_clean
from common.grading.sandbox import sandbox_problem
from common.paths import data_root, repo_root

LAB = "lab01_digits_mlp"
#: autograded points of lab01, read from its source notebook
POINTS = sum(c.metadata["nbgrader"].get("points", 0) for c in
             read_notebook(repo_root() / "solutions" / LAB / f"{LAB}.ipynb").cells
             if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
DELETED = "predict_labels_eval_mode"
AFTER_EXIT = "write_submission_format"
CELL_TIMEOUT = 25
#: A loop that swallows the interrupt sent at the cell's time limit.
STUBBORN_LOOP = """import time
while True:
    try:
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass"""


def hidden_test_lines(path):
    """Distinctive lines of the hidden tests of a source notebook (secrets for the grader)."""
    lines = []
    for cell in read_notebook(path).cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines += [ln.strip() for ln in block.splitlines() if len(ln.strip()) > 25]
    return lines


def hostile_cell(course, port):
    return textwrap.dedent(f"""
        import os, pathlib, shutil, socket, subprocess, time
        from common.paths import runs_root
        course = pathlib.Path({str(course)!r})
        data = pathlib.Path({str(data_root())!r})
        for p in ["../../../submitted/ada", "../../../autograded/ada", course / "submitted" / "ada",
                  course / "autograded" / "ada"]:
            try:
                shutil.rmtree(p)
                print("DELETED", p)
            except OSError as exc:
                print("DENIED", type(exc).__name__)
        targets = [course / "gradebook.db", "../../../gradebook.db",
                   course / "source" / "{LAB}" / "{LAB}.ipynb",
                   course / "solutions" / "{LAB}" / "{LAB}.ipynb",
                   {str(repo_root() / "solutions" / LAB / f"{LAB}.ipynb")!r},
                   *sorted(str(p) for p in (data / "answer_keys").glob("*/*"))]
        targets += [str(p) for p in sorted(data.glob("answer_keys/*/*"))]
        for p in targets:
            try:
                print(pathlib.Path(p).read_bytes().decode("utf-8", "replace"))
            except OSError as exc:
                print("DENIED", type(exc).__name__)
        for host in [("127.0.0.1", {port}), ("1.1.1.1", 53)]:
            try:
                socket.create_connection(host, timeout=2).close()
                print("NETWORK-REACHED")
            except OSError as exc:
                print("DENIED", type(exc).__name__)
        bomb = subprocess.Popen(["sh", "-c", "while :; do sleep 60 & done"],
                                start_new_session=True, stderr=subprocess.DEVNULL)
        time.sleep(3)
        print("PROCS", sum(1 for p in os.listdir("/proc") if p.isdigit()))
        os.killpg(bomb.pid, 9)
        try:
            big = bytearray(8 * 2**30)
            print("ALLOCATED")
        except MemoryError:
            print("DENIED MemoryError")
        for p in [runs_root() / "{LAB}" / "pwned.txt", course / "runs" / "{LAB}" / "pwned.txt"]:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text("pwned")
                print("WROTE", p)
            except OSError as exc:
                print("DENIED", type(exc).__name__)
    """).strip()


def tagged(cell_source):
    cell = nbformat.v4.new_code_cell(cell_source)
    del cell["id"]                # the course's notebooks are nbformat 4.4, without cell ids
    return cell


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    problem = sandbox_problem()
    if problem is not None:
        pytest.fail(problem)
    root = tmp_path_factory.mktemp("course")
    shutil.copy(repo_root() / "nbgrader_config.py", root)
    shutil.copytree(repo_root() / "solutions" / LAB, root / "solutions" / LAB)
    nbgrader("generate_assignment", LAB, "--force", cwd=root)
    solution = read_notebook(root / "solutions" / LAB / f"{LAB}.ipynb")
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}

    def completed():
        nb = read_notebook(root / "labs" / LAB / f"{LAB}.ipynb")
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid]
        return nb

    def folder(student):
        path = root / "submitted" / student / LAB
        path.mkdir(parents=True)
        (path / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
        return path

    write_clean(completed(), folder("ada") / f"{LAB}.ipynb")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    mal = completed()
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in mal.cells]
    mal.cells.insert(ids.index(AFTER_EXIT), tagged("import os\nos._exit(1)"))
    mal.cells.pop(ids.index(DELETED))
    mal.cells.insert(ids.index("setup") + 1, tagged(hostile_cell(root, server.getsockname()[1])))
    write_clean(mal, folder("mal") / f"{LAB}.ipynb")
    ian = completed()
    ian.cells.insert(ids.index(AFTER_EXIT), tagged(STUBBORN_LOOP))
    ian.cells.insert(ids.index("setup") + 1, tagged("while True:\n    pass"))
    write_clean(ian, folder("ian") / f"{LAB}.ipynb")
    (folder("joe") / f"{LAB}.ipynb").write_text('{"cells": [ {"cell_type": "code",')
    write_clean(completed(), folder("ren") / "lab01 (copy).ipynb")

    runs = repo_root() / "runs" / LAB
    before = sorted((p.name, p.stat().st_mtime_ns) for p in runs.glob("*")) if runs.exists() else []
    try:
        table = autograde_all(LAB, root, jobs=2, memory_mb=4000, notebook_timeout=400,
                              cell_timeout=CELL_TIMEOUT)
    finally:
        server.close()
    after = sorted((p.name, p.stat().st_mtime_ns) for p in runs.glob("*")) if runs.exists() else []
    grades = export_grades(root, lab=LAB, table=table)
    return root, table.set_index("student"), grades.set_index("student_id"), before, after


@pytest.mark.slow
def test_every_student_gets_a_status_and_one_sentence(graded):
    _, table, grades, _, _ = graded
    assert table["status"].to_dict() == {"ada": "graded", "ian": "crashed", "joe": "unreadable",
                                         "mal": "crashed", "ren": "missing"}, table.to_dict("records")
    for student in ["ian", "joe", "mal", "ren"]:
        message = table.loc[student, "message"]
        assert message.endswith(".") and grades.loc[student, "message"] == message
    assert "renamed" in table.loc["ren", "message"]
    assert AFTER_EXIT in table.loc["mal", "message"] and DELETED in table.loc["mal", "message"]
    assert table.loc["mal", "deleted_cells"] == DELETED
    assert "ignored the interrupt" in table.loc["ian", "message"]
    assert "interrupted at their time limit: #3" in table.loc["ian", "message"]


@pytest.mark.slow
def test_tamper_flags_reach_the_table_and_the_export(graded):
    _, table, grades, _, _ = graded
    assert table.loc["ada", "tamper_flags"] == ""
    flags = table.loc["mal", "tamper_flags"]
    assert "os._exit" in flags and grades.loc["mal", "tamper_flags"] == flags


@pytest.mark.slow
def test_the_honest_student_is_untouched(graded):
    root, _, grades, _, _ = graded
    assert grades.loc["ada", "raw_score"] == POINTS
    assert (root / "submitted" / "ada" / LAB / f"{LAB}.ipynb").exists()
    assert (root / "autograded" / "ada" / LAB / f"{LAB}.ipynb").exists()


@pytest.mark.slow
def test_points_before_os_exit_are_kept(graded):
    _, _, grades, _, _ = graded
    # everything but the deleted cell (1 point) and the cell after os._exit (2 points)
    assert grades.loc["mal", "raw_score"] == POINTS - 3
    # a loop that ignores the interrupt stops the kernel: only the test cell after it is lost
    assert grades.loc["ian", "raw_score"] == POINTS - 2


@pytest.mark.slow
def test_nothing_secret_reaches_the_output(graded):
    root, _, _, _, _ = graded
    nb = read_notebook(root / "autograded" / "mal" / LAB / f"{LAB}.ipynb")
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                  for o in c.get("outputs", []))
    assert out.count("DENIED") >= 14, out               # the hostile cell did run
    assert "Permission denied" not in out and "Fontconfig" not in out   # a usable /tmp
    for word in ["DELETED", "NETWORK-REACHED", "ALLOCATED", "WROTE", "BEGIN SOLUTION",
                 "HIDDEN TESTS", "SQLite format"]:
        assert word not in out, word
    secrets = hidden_test_lines(repo_root() / "solutions" / LAB / f"{LAB}.ipynb")
    keys = sorted((data_root() / "answer_keys").glob("*/*"))
    secrets += [p.read_text().splitlines()[1] for p in keys if p.suffix == ".csv"]
    assert secrets and not [s for s in secrets if s in out]
    procs = int(out.split("PROCS ")[1].split()[0])
    assert procs <= 256 + 2                               # the fork bomb hit the process limit


@pytest.mark.slow
def test_graded_runs_never_touch_runs(graded):
    root, _, _, before, after = graded
    assert before == after
    assert not (root / "runs").exists()
    assert not (repo_root() / "runs" / LAB / "pwned.txt").exists()


def test_check_submission_names_the_problem(tmp_path):
    folder = tmp_path / "submitted" / "joe" / LAB
    folder.mkdir(parents=True)
    (folder / f"{LAB}.ipynb").write_text("{not json")
    result = check_submission(LAB, "joe", tmp_path)
    assert result.status == "unreadable" and "resubmit" in result.message
    (folder / f"{LAB}.ipynb").write_text('{"metadata": {}, "nbformat": 4, "nbformat_minor": 4}')
    assert check_submission(LAB, "joe", tmp_path).status == "unreadable"      # no cells at all
    os.remove(folder / f"{LAB}.ipynb")
    assert check_submission(LAB, "joe", tmp_path).status == "missing"


def test_no_sandbox_means_refusal_in_one_sentence(tmp_path, monkeypatch):
    import common.grading.autograde as autograde
    from common.errors import CourseError
    from common.grading.sandbox import INSTALL_HINT

    (tmp_path / "submitted" / "ada" / LAB).mkdir(parents=True)
    (tmp_path / "gradebook.db").write_text("")
    monkeypatch.setattr(autograde, "sandbox_problem", lambda: INSTALL_HINT)
    with pytest.raises(CourseError, match="--no-sandbox"):
        autograde_all(LAB, tmp_path)
