"""Every bad submission gives one clear sentence; good ones score as expected."""

import numpy as np
import pandas as pd
import pytest

from common.digits import digits_answer_key
from common.errors import SubmissionError
from common.submissions import score_submission, validate_submission

LAB = "lab01_digits_mlp"
NAME = "Hw1_submission_Z.csv"


@pytest.fixture
def key():
    return digits_answer_key()


def _write(tmp_path, text, name=NAME):
    path = tmp_path / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return path


def _csv(frame):
    return frame.to_csv(index=False)


def test_perfect_and_wrong_submissions_score(tmp_path, key):
    assert score_submission(LAB, _write(tmp_path, _csv(key))) == 1.0
    half = key.copy()
    half.loc[half.index[::2], "Label"] = (half["Label"][::2] + 1) % 10
    assert score_submission(LAB, _write(tmp_path, _csv(half))) == pytest.approx(0.5)
    shuffled = key.sample(frac=1, random_state=0)      # row order does not matter
    assert score_submission(LAB, _write(tmp_path, _csv(shuffled))) == 1.0


@pytest.mark.parametrize("mutate, message", [
    (lambda k: k.rename(columns={"Label": "label"}), "missing the column(s) Label"),
    (lambda k: k.assign(Extra=1), "unexpected column(s) Extra"),
    (lambda k: pd.concat([k, k.iloc[:2]]), "more than once"),
    (lambda k: k.iloc[:-5], "missing 5 ImageId"),
    (lambda k: k.assign(ImageId=k["ImageId"] + 1000), "unknown ImageId"),
    (lambda k: k.assign(Label=k["Label"].astype(float).where(k.index != 3, np.nan)), "empty or NaN on line(s) 5"),
    (lambda k: k.assign(Label=k["Label"].astype(str).where(k.index != 0, "seven")), "must hold a whole number"),
    (lambda k: k.assign(Label=k["Label"] + 0.5), "must hold a whole number"),
    (lambda k: k.assign(Label=k["Label"].where(k.index != 1, 12)), "outside the range"),
    (lambda k: k.iloc[:0], "no rows"),
])
def test_bad_csvs_give_clear_messages(tmp_path, key, mutate, message):
    path = _write(tmp_path, _csv(mutate(key.copy())))
    problems = validate_submission(LAB, path)
    assert any(message in p for p in problems), problems
    assert all(p.endswith(".") for p in problems)
    with pytest.raises(SubmissionError, match=message.split("(")[0]):
        score_submission(LAB, path)


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    ("\xff\xfeI\x00m\x00".encode("latin-1"), "not UTF-8"),
    (b'ImageId,Label\n1,"3\n', "could not be parsed"),
])
def test_unreadable_files(tmp_path, content, message):
    problems = validate_submission(LAB, _write(tmp_path, content))
    assert len(problems) == 1 and message in problems[0]


def test_missing_file_and_wrong_name(tmp_path):
    assert "does not exist" in validate_submission(LAB, tmp_path / NAME)[0]
    with pytest.raises(SubmissionError, match="is not a submission of"):
        validate_submission(LAB, tmp_path / "x.csv", "x.csv")
    with pytest.raises(SubmissionError, match="No submission is declared"):
        validate_submission("lab99_nothing", tmp_path / NAME)


def test_utf8_bom_and_whitespace_are_accepted(tmp_path, key):
    text = "\ufeff" + _csv(key).replace("ImageId,Label", "ImageId, Label ")
    assert validate_submission(LAB, _write(tmp_path, text)) == []
