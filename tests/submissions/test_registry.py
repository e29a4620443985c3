"""The submission table lists every lab module's files under the module's lab id."""

from pathlib import Path

import pytest

import common.submissions as submissions
from common.errors import SubmissionError
from common.labs import LABS
from common.submissions import SUBMISSIONS, labs_with_submissions, spec_for, specs_for


def test_every_lab_module_is_in_the_table():
    folder = Path(submissions.__file__).parent
    modules = {p.stem for p in folder.glob("lab*.py")}
    assert set(SUBMISSIONS) == modules and labs_with_submissions() == sorted(modules)
    assert set(SUBMISSIONS) <= set(LABS)
    for lab, specs in SUBMISSIONS.items():
        assert specs and all(spec.lab == lab for spec in specs), lab


def test_spec_lookup_and_messages():
    assert spec_for("lab01_digits_mlp").filename == "Hw1_submission_Z.csv"
    assert spec_for("lab03_fusion_strategies", "some/folder/late.csv").filename == "late.csv"
    specs_for("lab01_digits_mlp").clear()                     # a copy: the table is untouched
    assert specs_for("lab01_digits_mlp")
    with pytest.raises(SubmissionError, match="several submission files"):
        spec_for("lab03_fusion_strategies")
    with pytest.raises(SubmissionError, match="is not a submission of lab01_digits_mlp"):
        spec_for("lab01_digits_mlp", "x.csv")
    with pytest.raises(SubmissionError, match="No submission is declared for 'lab99'"):
        specs_for("lab99")
