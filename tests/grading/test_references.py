"""The course check's reference rule: no released cell offers what a hidden test compares against."""

from __future__ import annotations

import nbformat
import pytest

from common.grading.course_check import with_reference_probes
from common.grading.notebook import execute, read_notebook
from common.grading.references import (hidden_names, hidden_references, imported_references,
                                       offered_references)
from common.paths import repo_root

HIDDEN = '''"""encoder matches the leaderboard's."""
assert student_encode([[1]]) == "1 1"
### BEGIN HIDDEN TESTS
from common.io.rle import rle_encode as _reference  # noqa: E402
_x = _reference([[0, 1]])
assert student_encode([[0, 1]]) == _x
del _reference
### END HIDDEN TESTS
'''


def _notebook(setup: str) -> nbformat.NotebookNode:
    """setup cell, a solution cell, a graded test cell with a hidden reference import."""
    nb = nbformat.v4.new_notebook()
    cells = [
        (setup, {"grade": False, "grade_id": "setup", "locked": True, "solution": False}),
        ("def student_encode(mask):\n    ### BEGIN SOLUTION\n    from common.io.rle import rle_encode\n"
         "    return rle_encode(mask)\n    ### END SOLUTION\n",
         {"grade": False, "grade_id": "encode", "locked": False, "solution": True}),
        (HIDDEN, {"grade": True, "grade_id": "encode_matches", "locked": True, "points": 1,
                  "solution": False}),
    ]
    for source, meta in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {**meta, "schema_version": 3, "task": False}
        nb.cells.append(cell)
    return nb


def test_hidden_references_and_names():
    nb = _notebook("import numpy as np")
    assert [r.qualname for r in hidden_references(nb)] == ["common.io.rle.rle_encode"]
    assert hidden_references(nb)[0].grade_id == "encode_matches"
    assert {"_reference", "_x"} <= hidden_names(nb)


def test_static_rule_flags_a_setup_that_imports_the_reference():
    bad = _notebook("from common.io.rle import rle_encode")
    problems = imported_references(bad, bad)
    assert len(problems) == 1 and "common.io.rle.rle_encode" in problems[0] and "encode_matches" in problems[0]
    assert imported_references(bad, _notebook("import numpy as np")) == []


def test_every_lab_passes_the_static_rule():
    root = repo_root()
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        release = root / "labs" / path.parent.name / path.name
        assert imported_references(read_notebook(path), read_notebook(release)) == [], path.name


def test_lab04_hides_its_references():
    source = read_notebook(repo_root() / "solutions/lab04_segmentation/lab04_segmentation.ipynb")
    refs = {r.qualname for r in hidden_references(source)}
    assert {"monai.metrics.compute_dice", "monai.metrics.compute_iou", "common.io.rle.rle_encode"} <= refs


@pytest.mark.slow
@pytest.mark.parametrize("setup, offered", [
    ("import numpy as np", False),
    ("from common.io import rle_encode as encode", True),            # a re-export, same object
    ("from common.io import rle as reference_rle", True),            # a course module that hands it out
    ("import common.io as cio", True),
])
def test_probe_finds_references_in_the_namespace(tmp_path, setup, offered):
    nb = _notebook(setup)
    executed = execute(with_reference_probes(nb, nb), tmp_path, timeout=120)
    problems = offered_references(executed)
    assert bool(problems) is offered, problems
    if offered:
        assert all("common.io.rle.rle_encode" in p for p in problems)
