"""The one CSV reader: nothing inferred, every problem one sentence, memory bounded."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from common.errors import SubmissionError
from common.submissions import (ReadLimits, read_csv_stream, read_csv_table, read_submission,
                                validate_frame)
from common.submissions.lab01_digits_mlp import SCHEMA


def _write(tmp_path, content, name="s.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_cells_are_stripped_strings_with_their_line_numbers(tmp_path):
    path = _write(tmp_path, '\ufeff ImageId , Label \r\n1, 007\r\n\r\n"2","3"\r\n')
    table = read_csv_table(path)
    assert table.header == ("ImageId", "Label")
    assert table.rows == [("1", "007"), ("2", "3")] and table.lines == [2, 4]


def test_a_trailing_comma_is_not_an_index(tmp_path):
    """pandas would take the first column as the index here; the reader refuses the row."""
    with pytest.raises(SubmissionError, match=r"Line 2 of s.csv has 3 cells .*trailing comma"):
        read_csv_table(_write(tmp_path, "ImageId,Label\n1,3,\n2,4\n"))


def test_size_is_checked_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as f:
        f.write(b"ImageId,Label\n")
        f.truncate(50 * 2**20)
    with pytest.raises(SubmissionError, match=r"big.csv is 50.0 MiB, more than the 1.0 MiB"):
        read_csv_table(path, ReadLimits(max_bytes=2**20))


def test_a_stream_longer_than_its_limit_is_stopped():
    data = io.BytesIO(b"ImageId,Label\n" + b"1,2\n" * 1000)
    with pytest.raises(SubmissionError, match="grew while it was read"):
        read_csv_stream(data, "upload.csv", ReadLimits(max_bytes=100))


def test_rows_beyond_the_limit_are_not_read(tmp_path):
    path = _write(tmp_path, "ImageId,Label\n" + "1,2\n" * 50)
    assert len(read_csv_table(path, ReadLimits(max_rows=50)).rows) == 50
    with pytest.raises(SubmissionError, match="more than 49 data rows"):
        read_csv_table(path, ReadLimits(max_rows=49))


@pytest.mark.parametrize("cell, words", [("1" * 101, "has a cell longer than 100 characters"),
                                         ("1" * 70_000, "is longer than 65,736 characters")])
def test_long_cells_and_lines_are_refused(tmp_path, cell, words):
    with pytest.raises(SubmissionError, match=words):
        read_csv_table(_write(tmp_path, f"ImageId,Label\n1,{cell}\n"), ReadLimits(max_cell=100))


def test_folders_pipes_and_missing_files(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(SubmissionError, match="is a folder"):
        read_csv_table(tmp_path / "dir.csv")
    with pytest.raises(SubmissionError, match="does not exist"):
        read_csv_table(tmp_path / "absent.csv")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")          # opening it would block: stat refuses it first
        with pytest.raises(SubmissionError, match="not a regular file"):
            read_csv_table(tmp_path / "pipe.csv")


def test_read_submission_and_validate_frame_share_the_rules(tmp_path):
    """The path the lab01 notebook's hidden test takes: read, then validate the frame."""
    path = _write(tmp_path, "ImageId,Label\n1,3\n2,4.0\n")
    frame, problems = read_submission(path)
    assert problems == [] and frame.attrs["lines"] == [2, 3]
    assert frame.to_numpy().tolist() == [["1", "3"], ["2", "4.0"]]
    found = validate_frame(frame, SCHEMA, expected_ids=[1, 2], name=path.name)
    assert len(found) == 1 and "'4.0' on line(s) 3" in found[0]
    assert validate_frame(frame.iloc[:1], SCHEMA, expected_ids=[1], name=path.name) == []
    assert "could not be read" in validate_frame(None, SCHEMA)[0]
    assert read_submission(_write(tmp_path, b"", "e.csv")) == (None, ["The file e.csv is empty; write "
                                                                     "the header and one row per id."])


def test_importing_submissions_stays_light():
    code = ("import sys, common.submissions; heavy = [m for m in ('torch', 'sklearn', 'monai', "
            "'common.detection', 'common.segmentation', 'common.digits') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
