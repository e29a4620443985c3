import csv
import dataclasses

import pandas as pd
import pytest

from common.digits import digits_answer_key
from common.errors import SubmissionError
from common.submissions import SUBMISSIONS, specs_for
from common.submissions.leaderboard import neutralise_cell, write_leaderboard

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


def _submit(root, student, text, lab=LAB, name="Hw1_submission_Z.csv"):
    folder = root / student / lab
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_every_bad_file_costs_only_its_own_row(tmp_path):
    """Unreadable, invalid and oversize files get a status and one sentence; the rest are scored."""
    key = digits_answer_key()
    good = key.to_csv(index=False)
    root = tmp_path / "submitted"
    _submit(root, "ada", good)
    _submit(root, "bob", good.replace("\n", ",\n", 2).replace(",\n", "\n", 1))    # trailing comma
    _submit(root, "cy", "ImageId,Label\n" + "".join(f"{i},{y}.0\n" for i, y in key.values))
    _submit(root, "dee", b"\xff\xfe\x00\x01garbage")
    _submit(root, "eve", good.replace(",", ";"))
    (root / "fay" / LAB / "Hw1_submission_Z.csv").mkdir(parents=True)            # a folder
    big = _submit(root, "gus", "ImageId,Label\n")
    with open(big, "wb") as f:
        f.truncate(300 * 2**20)
    table = write_leaderboard(root, tmp_path / "out", [LAB])
    rows = table.set_index("student")
    assert rows.loc["ada", "status"] == "scored" and rows.loc["ada", "rank"] == 1
    assert (rows.drop(index="ada")["status"] == "invalid").all()
    assert rows["rank"].drop(index="ada").isna().all()
    for student, words in {"bob": "trailing comma", "cy": "must hold a whole number",
                           "dee": "not UTF-8", "eve": "separated by semicolons",
                           "fay": "is a folder", "gus": "300.0 MiB"}.items():
        assert words in rows.loc[student, "problems"], (student, rows.loc[student, "problems"])
    assert pd.read_csv(tmp_path / "out" / "leaderboard.csv")["status"].tolist() == table["status"].tolist()


def test_key_and_scorer_failures_are_rows_too(tmp_path, monkeypatch):
    """A lab without its answer key, or a scorer that fails, marks its rows; other labs still score."""
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "no_data"))
    root = tmp_path / "submitted"
    _submit(root, "ada", digits_answer_key().to_csv(index=False))
    _submit(root, "ada", "patient_id,probability\nP0001,0.5\n", "lab02_slice_classification",
            "predictions.csv")
    table = write_leaderboard(root, tmp_path / "out", [LAB, "lab02_slice_classification"])
    by_lab = table.set_index("lab")
    assert by_lab.loc[LAB, "status"] == "scored"
    assert by_lab.loc["lab02_slice_classification", "status"] == "not scored"
    assert "dlmia data build ct_volumes" in by_lab.loc["lab02_slice_classification", "problems"]

    broken = dataclasses.replace(specs_for(LAB)[0], score=lambda sub, key: [][len(sub)])
    monkeypatch.setitem(SUBMISSIONS, LAB, [broken])
    table = write_leaderboard(root, tmp_path / "out", [LAB])
    assert table["status"].tolist() == ["not scored"]
    assert "passed validation but could not be scored (IndexError" in table["problems"].iloc[0]


def test_output_folder_rules(tmp_path):
    """Other files in the folder stay; an existing file as --out is one sentence; writes are atomic."""
    root = tmp_path / "submitted"
    _submit(root, "ada", digits_answer_key().to_csv(index=False))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "leaderboard.csv").write_text("old")
    write_leaderboard(root, out, [LAB])
    assert sorted(p.name for p in out.iterdir()) == ["leaderboard.csv", "leaderboard.html", "notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me" and "ada" in (out / "leaderboard.csv").read_text()
    with pytest.raises(SubmissionError, match="is an existing file, not a folder"):
        write_leaderboard(root, out / "notes.txt", [LAB])


@pytest.mark.parametrize("name", ["=HYPERLINK(\"x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_cannot_run_as_formulas(tmp_path, name):
    root = tmp_path / "submitted"
    _submit(root, name, digits_answer_key().to_csv(index=False))
    _submit(root, "<b>bo<i>", "ImageId,Label\n=1+1,3\n")
    table = write_leaderboard(root, tmp_path / "out", [LAB])
    assert name in table["student"].tolist()                    # the returned table is untouched
    with open(tmp_path / "out" / "leaderboard.csv", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'" + name in cells and name not in cells
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    page = (tmp_path / "out" / "leaderboard.html").read_text()
    assert "<b>bo<i>" not in page and "&lt;b&gt;bo&lt;i&gt;" in page


def test_neutralise_cell_follows_owasp():
    assert neutralise_cell("=1") == "'=1" and neutralise_cell("ada") == "ada"
    assert neutralise_cell(-0.5) == -0.5 and neutralise_cell(" =1") == " =1"
