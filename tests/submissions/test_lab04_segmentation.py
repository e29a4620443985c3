"""lab04's submission: schema, one clear message per bad row, mean-Dice scoring against the key of
packed test masks (an old run-length key asks for a rebuild)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError, SubmissionError
from common.answer_keys import mask_key_table, write_answer_key
from common.io.rle import rle_encode
from common.submissions import score_submission, validate_submission

LAB = "lab04_segmentation"
IMAGE_SHAPE = (96, 96)


@pytest.fixture
def key(tmp_path, monkeypatch, rng):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path / "data"))
    masks = {}
    for i in range(3):
        m = np.zeros(IMAGE_SHAPE, bool)
        r, c = rng.integers(10, 60, 2)
        m[r:r + 20, c:c + 15] = True
        masks[f"test_{i:04d}"] = m
    masks["test_0003"] = np.zeros(IMAGE_SHAPE, bool)
    write_answer_key("seg2d", "test_masks", mask_key_table(masks), root=tmp_path / "data",
                     meta={"image_shape": list(IMAGE_SHAPE)})
    return masks


def _write(tmp_path, rows, name="submission.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=["ImageId", "EncodedPixels"]).to_csv(path, index=False)
    return path


def test_perfect_submission_scores_one(tmp_path, key):
    path = _write(tmp_path, [(i, rle_encode(m)) for i, m in key.items()])
    assert validate_submission(LAB, path) == []
    assert score_submission(LAB, path) == pytest.approx(1.0)


def test_worse_submission_scores_less(tmp_path, key):
    rows = []
    for i, m in key.items():
        eroded = m.copy()
        eroded[np.nonzero(m.any(1))[0][:5]] = False
        rows.append((i, rle_encode(eroded)))
    score = score_submission(LAB, _write(tmp_path, rows))
    assert 0.5 < score < 0.99
    empty = score_submission(LAB, _write(tmp_path, [(i, "") for i in key], "empty.csv"))
    assert empty == pytest.approx(0.25), "only the empty test image is right"


@pytest.mark.parametrize("bad, words", [
    ("1 2 3", "odd number"),
    ("1 5 3 2", "overlap"),
    ("100 3 5 2", "not sorted"),
    ("9200 100", "outside"),
])
def test_bad_rle_gets_one_clear_message(tmp_path, key, bad, words):
    rows = [(i, rle_encode(m)) for i, m in key.items()]
    rows[1] = (rows[1][0], bad)
    problems = validate_submission(LAB, _write(tmp_path, rows))
    assert len(problems) == 1 and words in problems[0] and "test_0001" in problems[0]
    with pytest.raises(SubmissionError, match=words):
        score_submission(LAB, _write(tmp_path, rows))


def test_missing_and_unknown_ids(tmp_path, key):
    rows = [(i, rle_encode(m)) for i, m in key.items()][:-1] + [("train_0001", "")]
    problems = validate_submission(LAB, _write(tmp_path, rows))
    assert any("unknown" in p for p in problems) and any("missing 1" in p for p in problems)


def test_wrong_header(tmp_path, key):
    path = tmp_path / "submission.csv"
    path.write_text("ImageId,Mask\ntest_0000,1 2\n")
    assert any("EncodedPixels" in p for p in validate_submission(LAB, path))


def test_an_old_run_length_key_is_one_sentence(tmp_path, key):
    old = pd.DataFrame({"ImageId": list(key), "EncodedPixels": [rle_encode(m) for m in key.values()]})
    write_answer_key("seg2d", "test_masks", old, root=tmp_path / "data",
                     meta={"image_shape": list(IMAGE_SHAPE)})
    path = _write(tmp_path, [(i, rle_encode(m)) for i, m in key.items()])
    for check in (validate_submission, score_submission):
        with pytest.raises(DataError, match="older build; rebuild it with `dlmia data build seg2d`"):
            check(LAB, path)
