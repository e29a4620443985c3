"""lab05's submission: validator messages and the mAP@0.5 scorer."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from common.detection import format_prediction_string
from common.submissions import lab05_cxr_detection as sub
from common.submissions.schema import validate_frame

KEY = pd.DataFrame({
    "image_id": ["a", "a", "b", "c"], "class_name": ["Nodule/Mass", "Lung Opacity", "No finding", "Nodule/Mass"],
    "class_id": [8, 7, 14, 8], "rad_id": ["R8"] * 4,
    "x_min": [10, 50, np.nan, 5], "y_min": [10, 60, np.nan, 5],
    "x_max": [25, 100, np.nan, 20], "y_max": [25, 110, np.nan, 20]})


def _perfect() -> pd.DataFrame:
    rows = []
    for image_id, g in KEY.groupby("image_id", sort=False):
        g = g.dropna(subset=["x_min"])
        rows.append((image_id, format_prediction_string(g[["x_min", "y_min", "x_max", "y_max"]].values,
                                                        np.full(len(g), 0.9), g.class_id.values)))
    return pd.DataFrame(rows, columns=["image_id", "PredictionString"])


def test_perfect_scores_one_and_wrong_less():
    perfect = _perfect()
    assert sub.map50_score(perfect, KEY) == pytest.approx(1.0)
    wrong = perfect.copy()
    wrong.loc[0, "PredictionString"] = "7 0.9 10 10 25 25 8 0.9 50 60 100 110"   # classes swapped
    assert sub.map50_score(wrong, KEY) < 1.0
    empty = perfect.assign(PredictionString="")
    assert sub.map50_score(empty, KEY) == 0.0


@pytest.mark.parametrize("text, words", [
    ("8 0.9 1 2 3", "multiple of 6"),
    ("13 0.9 1 2 3 4", "not lesion classes"),
    ("8 1.5 1 2 3 4", "[0, 1]"),
    ("8 0.9 5 2 3 4", "x_max < x_min"),
    ("8 0.9 a 2 3 4", "not a number"),
])
def test_bad_rows_have_clear_messages(text, words):
    frame = _perfect().astype(str)
    frame.loc[1, "PredictionString"] = text
    problems = validate_frame(frame, sub.SCHEMA, expected_ids=["a", "b", "c"], name="submission.csv")
    assert problems and any(words in p for p in problems), problems


def test_missing_ids_reported():
    frame = _perfect().astype(str).iloc[:2]
    problems = validate_frame(frame, sub.SCHEMA, expected_ids=["a", "b", "c"], name="submission.csv")
    assert problems


@pytest.mark.parametrize("text, words", [
    ("7.6 0.9 1 2 3 4", "class id '7.6', which is not a whole number"),
    ("8.0 0.9 1 2 3 4", "which is not a whole number"),
    ("8 nan 1 2 3 4", "'nan', which is not a number"),
    ("8 0.9 1 2 inf 4", "'inf', which is not a number"),
    ("8 0.9 1 2 1e39 4", "not a finite number"),
    ("8 0.9 0x1 2 3 4", "which is not a number"),
])
def test_parse_prediction_string_is_strict(text, words):
    from common.io.prediction_string import parse_prediction_string

    with pytest.raises(ValueError, match=re.escape(words)):
        parse_prediction_string(text)


def test_prediction_string_round_trip():
    from common.io.prediction_string import parse_prediction_string

    text = format_prediction_string([[10, 20, 30.25, 40]], [0.875], [8]) + " 7 9e-1 1e1 2 3.5 4"
    classes, scores, boxes = parse_prediction_string(text)
    assert classes.tolist() == [8, 7] and scores.tolist() == [0.875, 0.8999999761581421]
    assert boxes.dtype == np.float32 and boxes.tolist()[1] == [10.0, 2.0, 3.5, 4.0]
    assert [a.shape for a in parse_prediction_string("")] == [(0,), (0,), (0, 4)]


def test_class_7_6_is_not_scored_as_class_7():
    """Found by trying: 7.6 was valid and scored as class 7."""
    frame = _perfect().astype(str)
    frame.loc[0, "PredictionString"] = "7.6 0.9 50 60 100 110 8 0.9 10 10 25 25"
    problems = validate_frame(frame, sub.SCHEMA, expected_ids=["a", "b", "c"], name="submission.csv")
    assert len(problems) == 1 and "'7.6', which is not a whole number" in problems[0]
