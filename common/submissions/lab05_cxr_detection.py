"""lab05's submission: ``submission.csv`` with one ``image_id,PredictionString`` row per test image.

``PredictionString`` lists the detections as groups of six values,
``class_id score x_min y_min x_max y_max``, separated by spaces (VinDr-CXR class ids, boxes in
pixels of the original DICOM); an empty cell means no detection. The score is mAP@0.5 over the
lesion classes (torchmetrics ``MeanAveragePrecision``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..answer_keys import answer_key_meta, read_answer_key
from .spec import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA", "load_key", "map50_score"]

#: the answer key: the boxes of the cxr dataset's hidden test split.
KEY = ("cxr", "test_boxes")


def class_ids() -> set[int]:
    """The lesion class ids the answer key scores (VinDr-CXR ids)."""
    return {int(c) for c in answer_key_meta(*KEY)["classes"].values()}


def _check_row(row: dict) -> str | None:
    from ..detection.submission import parse_prediction_string   # detection loads torchvision: late

    image_id = row.get("image_id", "?")
    try:
        classes, scores, boxes = parse_prediction_string(row.get("PredictionString", ""))
    except ValueError as exc:
        return (f"image_id {image_id}: PredictionString {exc}; "
                "write 'class score x_min y_min x_max y_max' per box.")
    allowed = class_ids()
    bad = sorted(set(classes.tolist()) - allowed)
    if bad:
        return (f"image_id {image_id}: class ids {bad} are not lesion classes; use "
                f"{sorted(allowed)}.")
    if ((scores < 0) | (scores > 1)).any():
        return f"image_id {image_id}: scores must lie in [0, 1]."
    if ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
        return f"image_id {image_id}: a box has x_max < x_min or y_max < y_min; write corners in that order."
    return None


SCHEMA = Schema(
    id_column="image_id",
    columns=[Column("image_id", "str"), Column("PredictionString", "str", nullable=True)],
    row_check=_check_row,
    description=("image_id: the test DICOM's file stem; PredictionString: 'class_id score x_min "
                 "y_min x_max y_max' per detection, space separated; empty for none."),
)


def load_key() -> pd.DataFrame:
    """The test boxes (VinDr rows), one or more per image_id."""
    return read_answer_key(*KEY).astype({"image_id": str})


def map50_score(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """mAP@0.5 of the submitted detections against the key's boxes."""
    from ..detection.data import boxes_by_image
    from ..detection.evaluate import detection_metrics
    from ..detection.submission import parse_prediction_string

    ids = list(dict.fromkeys(key["image_id"].astype(str)))
    targets = boxes_by_image(key, ids, {c: c for c in class_ids()})
    sub = dict(zip(submission["image_id"].astype(str).str.strip(),
                   submission["PredictionString"].astype(str)))
    preds = []
    for image_id in ids:
        classes, scores, boxes = parse_prediction_string(sub.get(image_id, ""))
        preds.append({"boxes": boxes.reshape(-1, 4), "scores": scores,
                      "labels": classes.astype(np.int64)})
    return detection_metrics(preds, targets)["map50"]


SUBMISSIONS = [
    SubmissionSpec(lab="lab05_cxr_detection", filename="submission.csv", schema=SCHEMA,
                   metric="map50", load_key=load_key, score=map50_score),
]
