"""lab05's submission: ``submission.csv`` with one ``image_id,PredictionString`` row per test image.

``PredictionString`` lists the detections as groups of six values,
``class_id score x_min y_min x_max y_max``, separated by spaces (VinDr-CXR class ids, boxes in
pixels of the original DICOM); an empty cell means no detection. Class ids are whole numbers,
scores lie in [0, 1], corners are finite numbers with ``x_min <= x_max`` and ``y_min <= y_max``
(see :mod:`common.io.prediction_string`), and an image has at most :data:`MAX_DETECTIONS`
detections. The score is mAP@0.5 over the lesion classes (torchmetrics ``MeanAveragePrecision``).

Size: VinDr-CXR's test split has 3,000 images; 100 detections written with full precision take
about 8 KiB, so the default limit is 3,000 × 8 KiB = 24 MiB. A cell may hold 64 KiB, enough for
:data:`MAX_DETECTIONS` detections of six 17-digit numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..answer_keys import answer_key_meta, read_answer_key
from .schema import Column, RowCheck, Schema
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "MAX_DETECTIONS", "load_key", "map50_score", "class_ids",
           "example"]

#: the answer key: the boxes of the cxr dataset's hidden test split.
KEY = ("cxr", "test_boxes")
#: the most detections one image may list (mAP@0.5 counts the 100 best per image and class).
MAX_DETECTIONS = 300


def class_ids() -> set[int]:
    """The lesion class ids the answer key scores (VinDr ids)."""
    return {int(c) for c in answer_key_meta(*KEY)["classes"].values()}


def _make_row_check() -> RowCheck:
    from ..io.prediction_string import parse_prediction_string

    allowed = class_ids()

    def check(row: dict) -> str | None:
        image_id = row.get("image_id", "?")
        try:
            classes, scores, boxes = parse_prediction_string(row.get("PredictionString", ""))
        except ValueError as exc:
            return (f"image_id {image_id}: PredictionString {exc}; "
                    "write 'class score x_min y_min x_max y_max' per box.")
        if len(classes) > MAX_DETECTIONS:
            return (f"image_id {image_id}: {len(classes)} detections; keep at most "
                    f"{MAX_DETECTIONS}, those with the highest scores.")
        bad = sorted(set(classes.tolist()) - allowed)
        if bad:
            return (f"image_id {image_id}: class ids {bad} are not lesion classes; use "
                    f"{sorted(allowed)}.")
        if ((scores < 0) | (scores > 1)).any():
            return f"image_id {image_id}: scores must lie in [0, 1]."
        if ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
            return (f"image_id {image_id}: a box has x_max < x_min or y_max < y_min; write corners "
                    f"in that order.")
        return None

    return check


SCHEMA = Schema(
    id_column="image_id",
    columns=[Column("image_id", "str"), Column("PredictionString", "str", nullable=True)],
    make_row_check=_make_row_check,
    description=("image_id: the test DICOM's file stem; PredictionString: 'class_id score x_min "
                 "y_min x_max y_max' per detection, space separated; empty for none."),
)


def load_key() -> pd.DataFrame:
    """The test boxes (VinDr rows), one or more per image_id."""
    return read_answer_key(*KEY).astype({"image_id": str})


def map50_score(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """mAP@0.5 of the submitted detections against the key's boxes: COCO's AP at IoU 0.5 (101-point
    interpolation, up to 100 detections per image, averaged over the classes with true boxes),
    computed by faster-coco-eval, the backend of torchmetrics' ``MeanAveragePrecision`` that the
    lab uses, without loading torch. COCO's own thresholds are used; torchmetrics passes float32
    ones, which can move a score by about 0.002 (``tests/submissions`` checks they agree)."""
    from faster_coco_eval import COCO, COCOeval_faster

    from ..io.prediction_string import parse_prediction_string

    ids = list(dict.fromkeys(key["image_id"].astype(str)))
    lesions = class_ids()
    boxes = key[key["x_min"].notna() & key["class_id"].isin(lesions)]
    truth = [{"id": n, "image_id": ids.index(str(r.image_id)), "category_id": int(r.class_id),
              "bbox": [float(r.x_min), float(r.y_min), float(r.x_max - r.x_min),
                       float(r.y_max - r.y_min)],
              "area": float((r.x_max - r.x_min) * (r.y_max - r.y_min)), "iscrowd": 0}
             for n, r in enumerate(boxes.itertuples(), start=1)]
    sub = dict(zip(submission["image_id"].astype(str).str.strip(),
                   submission["PredictionString"].fillna("").astype(str)))
    found = []
    for index, image_id in enumerate(ids):
        classes, scores, xyxy = parse_prediction_string(sub.get(image_id, ""))
        for c, score, (x0, y0, x1, y1) in zip(classes, scores, xyxy.reshape(-1, 4)):
            found.append({"id": len(found) + 1, "image_id": index, "category_id": int(c),
                          "score": float(score), "bbox": [float(x0), float(y0), float(x1 - x0),
                                                          float(y1 - y0)],
                          "area": float((x1 - x0) * (y1 - y0)), "iscrowd": 0})
    if not truth:
        return float("nan")
    if not found:
        return 0.0
    categories = sorted({a["category_id"] for a in truth + found})
    gt = COCO()
    gt.dataset = {"images": [{"id": i} for i in range(len(ids))], "annotations": truth,
                  "categories": [{"id": c} for c in categories]}
    gt.createIndex()
    dt = COCO()
    dt.dataset = {"images": gt.dataset["images"], "annotations": found,
                  "categories": gt.dataset["categories"]}
    dt.createIndex()
    evaluation = COCOeval_faster(gt, dt, "bbox", print_function=lambda *_: None)
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return float(evaluation.stats[1])


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's boxes as detections with score 0.9 (mAP@0.5 1); the largest file gives every
    image :data:`MAX_DETECTIONS` detections written with 17 significant digits."""
    from ..io.prediction_string import format_prediction_string

    ids = list(dict.fromkeys(key["image_id"].astype(str)))
    lesions = sorted(class_ids())
    strings = []
    for n, image_id in enumerate(ids):
        rows = key[(key["image_id"].astype(str) == image_id) & key["x_min"].notna()
                   & key["class_id"].isin(lesions)]
        if not largest:
            strings.append(format_prediction_string(rows[["x_min", "y_min", "x_max", "y_max"]].values,
                                                    np.full(len(rows), 0.9), rows["class_id"].values))
            continue
        parts = []
        for i in range(MAX_DETECTIONS):
            x, y = 100.0 + i / 7 + n / 13, 200.0 + i / 11
            parts.append(f"{lesions[i % len(lesions)]} {repr(0.5 + i / 1e3 / 7)} {repr(x)} "
                         f"{repr(y)} {repr(x + 31.0 / 3)} {repr(y + 47.0 / 3)}")
        strings.append(" ".join(parts))
    return pd.DataFrame({"image_id": ids, "PredictionString": strings})


SUBMISSIONS = [
    SubmissionSpec(lab="lab05_cxr_detection", filename="submission.csv", schema=SCHEMA,
                   metric="map50", load_key=load_key, score=map50_score, real_rows=3_000,
                   row_bytes=8 * 2**10, max_cell=64 * 2**10, example=example),
]
