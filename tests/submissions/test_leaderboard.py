import pandas as pd
import pytest

from common.digits import digits_answer_key
from common.errors import SubmissionError
from common.submissions.leaderboard import write_leaderboard

LAB = "lab01_digits_mlp"


def test_leaderboard_ranks_and_reports_problems(tmp_path):
    key = digits_answer_key()
    worse = key.copy()
    worse.loc[:99, "Label"] = (worse.loc[:99, "Label"] + 1) % 10
    for student, frame in {"ada": key, "bob": worse, "cy": key.iloc[:10]}.items():
        folder = tmp_path / "submitted" / student / LAB
        folder.mkdir(parents=True)
        frame.to_csv(folder / "Hw1_submission_Z.csv", index=False)
    table = write_leaderboard(tmp_path / "submitted", tmp_path / "out", [LAB])
    assert table["student"].tolist() == ["ada", "bob", "cy"]
    assert table["rank"].tolist()[:2] == [1.0, 2.0] and pd.isna(table["rank"].iloc[2])
    assert table["score"].iloc[0] == 1.0 and table["score"].iloc[1] == pytest.approx(260 / 360)
    assert "missing 350 ImageId" in table["problems"].iloc[2]
    html = (tmp_path / "out" / "leaderboard.html").read_text()
    assert "ada" in html and "<table>" in html
    assert pd.read_csv(tmp_path / "out" / "leaderboard.csv").shape[0] == 3


def test_missing_submitted_folder(tmp_path):
    with pytest.raises(SubmissionError, match="does not exist"):
        write_leaderboard(tmp_path / "nope", tmp_path / "out")
