"""lab02's and lab03's prediction CSVs: clear messages for bad files, ROC-AUC scoring."""

from __future__ import annotations

import pandas as pd
import pytest

from common.errors import SubmissionError
from common.answer_keys import write_answer_key
from common.submissions import score_submission, specs_for, validate_submission

LAB02 = "lab02_slice_classification"
LAB03 = "lab03_fusion_strategies"
IDS = ["P0001", "P0002", "P0003", "P0004", "P0005", "P0006"]
LABELS = [0, 1, 0, 1, 1, 0]


@pytest.fixture(autouse=True)
def key(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "data"))
    write_answer_key("ct_volumes", "labels", pd.DataFrame({"patient_id": IDS, "label": LABELS}),
                     root=tmp_path / "data")


def _write(tmp_path, rows, name="predictions.csv", header="patient_id,probability"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{a},{b}\n" for a, b in rows))
    return path


def test_perfect_scores_one_and_wrong_scores_less(tmp_path):
    perfect = _write(tmp_path, [(i, 0.9 if y else 0.1) for i, y in zip(IDS, LABELS)])
    assert validate_submission(LAB02, perfect) == []
    assert score_submission(LAB02, perfect) == pytest.approx(1.0)
    worse = _write(tmp_path, [(i, p) for i, p in zip(IDS, [0.2, 0.6, 0.7, 0.4, 0.9, 0.1])], "w.csv")
    assert score_submission(LAB02, worse, filename="predictions.csv") < 1.0


@pytest.mark.parametrize("rows, header, fragment", [
    ([(i, 0.5) for i in IDS], "patient_id,prob", "missing the column"),
    ([(i, 0.5) for i in IDS[:-1]], "patient_id,probability", "missing 1 patient_id"),
    ([(i, 0.5) for i in IDS] + [("P9999", 0.5)], "patient_id,probability", "unknown patient_id"),
    ([(i, 0.5) for i in IDS] + [("P0001", 0.5)], "patient_id,probability", "more than once"),
    ([(i, 1.5 if i == "P0002" else 0.5) for i in IDS], "patient_id,probability", "outside the range"),
    ([(i, "high" if i == "P0002" else 0.5) for i in IDS], "patient_id,probability", "must hold a number"),
    ([(i, "" if i == "P0002" else 0.5) for i in IDS], "patient_id,probability", "empty or NaN"),
])
def test_bad_files_give_one_clear_message(tmp_path, rows, header, fragment):
    path = _write(tmp_path, rows, header=header)
    problems = validate_submission(LAB02, path)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(SubmissionError, match=fragment.split()[0]):
        score_submission(LAB02, path)


def test_binary_file_is_reported(tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_bytes(b"\xff\xfe\x00\x01garbage\x80")
    assert "not UTF-8" in validate_submission(LAB02, path)[0]


def test_lab03_declares_five_files_scored_by_auc(tmp_path):
    specs = specs_for(LAB03)
    assert [s.filename for s in specs] == ["single.csv", "early.csv", "late.csv", "3D.csv",
                                           "ResNet50_6c.csv"]
    assert all(s.metric == "roc_auc" for s in specs)
    path = _write(tmp_path, [(i, float(y)) for i, y in zip(IDS, LABELS)], name="3D.csv")
    assert score_submission(LAB03, path) == pytest.approx(1.0)
    inverted = _write(tmp_path, [(i, 1.0 - y) for i, y in zip(IDS, LABELS)], name="early.csv")
    assert score_submission(LAB03, inverted) == pytest.approx(0.0)
    with pytest.raises(SubmissionError, match="not a submission"):
        score_submission(LAB03, _write(tmp_path, [], name="other.csv"))


def test_leaderboard_check_scores_with_a_key_and_hands_out_no_labels(tmp_path):
    from common.submissions.lab02_slice_classification import key_available, leaderboard_check

    assert key_available()
    good = _write(tmp_path, [(i, 0.9 if y else 0.1) for i, y in zip(IDS, LABELS)])
    assert leaderboard_check(LAB02, good, IDS) == ([], pytest.approx(1.0))
    late = _write(tmp_path, [(i, 1.0 - y) for i, y in zip(IDS, LABELS)], name="late.csv")
    assert leaderboard_check(LAB03, late, IDS) == ([], pytest.approx(0.0))
    short = _write(tmp_path, [(i, 0.5) for i in IDS[:-1]], name="early.csv")
    problems, score = leaderboard_check(LAB03, short, IDS)
    assert score is None and any("missing 1 patient_id" in p for p in problems)


def test_leaderboard_check_without_a_key_checks_the_ids_and_does_not_score(tmp_path, monkeypatch):
    from common.submissions.lab02_slice_classification import key_available, leaderboard_check

    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "real"))   # a real folder: no answer key
    assert not key_available()
    good = _write(tmp_path, [(i, 0.5) for i in IDS])
    assert leaderboard_check(LAB02, good, IDS) == ([], None)
    unknown = _write(tmp_path, [(i, 0.5) for i in IDS] + [("P9999", 0.5)], name="3D.csv")
    problems, score = leaderboard_check(LAB03, unknown, IDS)
    assert score is None and any("unknown patient_id" in p for p in problems)
    assert not (tmp_path / "real").exists(), "checking writes nothing"
