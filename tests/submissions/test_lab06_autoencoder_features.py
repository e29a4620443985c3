"""lab06's predictions.csv: one row per test disc (disc_id = patient_disc), clear messages for bad
files, ROC-AUC scoring against the narrowing key, leading zeros of patient ids kept."""

from __future__ import annotations

import pandas as pd
import pytest

from common.answer_keys import write_answer_key
from common.errors import DataError, SubmissionError
from common.submissions import score_submission, spec_for, validate_submission

LAB = "lab06_autoencoder_features"
KEY = pd.DataFrame({"patient_id": ["061", "061", "062", "062", "063", "063"],
                    "disc_label": [201, 202, 201, 202, 201, 205],
                    "narrowing": [1, 0, 0, 1, 1, 0]})
HEADER = "disc_id,patient_id,disc_label,probability"


@pytest.fixture(autouse=True)
def key(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "data"))
    write_answer_key("spine_mr", "narrowing", KEY, root=tmp_path / "data")


def _rows(probs):
    return [(f"{p}_{d}", p, d, q) for p, d, q in zip(KEY.patient_id, KEY.disc_label, probs)]


def _write(tmp_path, rows, header=HEADER, name="predictions.csv"):
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in r) + "\n" for r in rows))
    return path


def test_perfect_scores_one_inverted_zero(tmp_path):
    perfect = _write(tmp_path, _rows([0.9 if y else 0.2 for y in KEY.narrowing]))
    assert validate_submission(LAB, perfect) == []
    assert score_submission(LAB, perfect) == pytest.approx(1.0)
    inverted = _write(tmp_path, _rows([0.1 if y else 0.8 for y in KEY.narrowing]), name="i.csv")
    assert score_submission(LAB, inverted, filename="predictions.csv") == pytest.approx(0.0)
    middling = _write(tmp_path, _rows([0.6, 0.5, 0.7, 0.4, 0.9, 0.1]), name="m.csv")
    assert 0.0 < score_submission(LAB, middling, filename="predictions.csv") < 1.0


def test_the_example_is_perfect_and_keeps_leading_zeros():
    spec = spec_for(LAB)
    key = spec.load_key()
    assert list(key["patient_id"]) == list(KEY["patient_id"]), "061 must not become 61"
    assert key["disc_id"].iloc[0] == "061_201"
    assert spec.score(spec.example(key, False), key) == pytest.approx(1.0)


@pytest.mark.parametrize("rows, header, fragment", [
    (_rows([0.5] * 6), "disc_id,patient_id,disc_label,prob", "missing the column"),
    (_rows([0.5] * 6)[:-1], HEADER, "missing 1 disc_id"),
    (_rows([0.5] * 6) + [("099_201", "099", 201, 0.5)], HEADER, "unknown disc_id"),
    (_rows([0.5] * 6) + [_rows([0.5])[0]], HEADER, "more than once"),
    (_rows([1.5, 0.5, 0.5, 0.5, 0.5, 0.5]), HEADER, "outside the range"),
    ([("061_201", "061", 199, 0.5)] + _rows([0.5] * 6)[1:], HEADER, "outside the range"),
    ([("061_201", "061", 202, 0.5)] + _rows([0.5] * 6)[1:], HEADER, "does not match"),
    ([("061_201", "061", "L5/S1", 0.5)] + _rows([0.5] * 6)[1:], HEADER, "whole number"),
    (_rows(["", 0.5, 0.5, 0.5, 0.5, 0.5]), HEADER, "empty or NaN"),
])
def test_bad_files_give_one_clear_message(tmp_path, rows, header, fragment):
    path = _write(tmp_path, rows, header=header)
    problems = validate_submission(LAB, path)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(SubmissionError):
        score_submission(LAB, path)


def test_no_key_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "empty"))
    path = _write(tmp_path, _rows([0.5] * 6))
    with pytest.raises(DataError, match="dlmia data build spine_mr"):
        validate_submission(LAB, path)
