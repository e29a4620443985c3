"""The torch-free scorers of lab04 and lab05 give what the labs' library metrics give.

lab04's mean Dice is counted with NumPy, lab05's mAP@0.5 by faster-coco-eval directly, so that a
cold scoring process needs no torch; the references are MONAI's Dice
(:func:`common.segmentation.metrics.dice_scores`) and torchmetrics' ``MeanAveragePrecision``
(:func:`common.detection.evaluate.detection_metrics`), on the answer keys of the built phantoms and
on many perturbed submissions.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from common.answer_keys import key_masks
from common.io.prediction_string import format_prediction_string, parse_prediction_string
from common.io.rle import rle_decode, rle_encode
from common.submissions import lab04_segmentation as seg
from common.submissions import lab05_cxr_detection as det


def _monai_mean_dice(submission, key):
    from common.segmentation.metrics import dice_scores

    shape = seg.image_shape()
    sub = dict(zip(submission["ImageId"], submission["EncodedPixels"]))
    pred = np.stack([rle_decode(sub.get(i, ""), shape) for i in key["ImageId"]])
    truth = np.stack(list(key_masks(key).values()))
    return float(dice_scores(pred, truth).mean())


def _torchmetrics_map50(submission, key):
    from common.detection.data import boxes_by_image
    from common.detection.evaluate import detection_metrics

    ids = list(dict.fromkeys(key["image_id"].astype(str)))
    targets = boxes_by_image(key, ids, {c: c for c in det.class_ids()})
    sub = dict(zip(submission["image_id"], submission["PredictionString"]))
    preds = []
    for image_id in ids:
        classes, scores, boxes = parse_prediction_string(sub.get(image_id, ""))
        preds.append({"boxes": boxes.reshape(-1, 4), "scores": scores,
                      "labels": classes.astype(np.int64)})
    return detection_metrics(preds, targets)["map50"]


def _perturbed_masks(key, rng):
    shape = seg.image_shape()
    rows = []
    for image_id, mask in key_masks(key).items():
        kind = rng.integers(4)
        if kind == 1:
            mask = np.roll(mask, int(rng.integers(-6, 7)), axis=int(rng.integers(2)))
        elif kind == 2:
            mask = mask & (rng.random(shape) < 0.7)
        elif kind == 3:
            mask = np.zeros(shape, bool) if rng.random() < 0.5 else rng.random(shape) < 0.02
        rows.append((image_id, rle_encode(mask)))
    return pd.DataFrame(rows, columns=["ImageId", "EncodedPixels"])


def _perturbed_boxes(key, rng):
    lesions = sorted(det.class_ids())
    rows = []
    for image_id in dict.fromkeys(key["image_id"].astype(str)):
        true = key[(key["image_id"].astype(str) == image_id) & key["x_min"].notna()
                   & key["class_id"].isin(lesions)]
        boxes, scores, classes = [], [], []
        for r in true.itertuples():
            if rng.random() < 0.2:
                continue                                    # missed
            jitter = rng.normal(0, 0.15 * (r.x_max - r.x_min), 4)
            boxes.append([r.x_min, r.y_min, r.x_max, r.y_max] + jitter)
            scores.append(rng.random())
            classes.append(r.class_id if rng.random() < 0.85 else rng.choice(lesions))
        for _ in range(int(rng.integers(0, 4))):           # false positives
            x, y = rng.uniform(0, 200, 2)
            boxes.append([x, y, x + rng.uniform(5, 60), y + rng.uniform(5, 60)])
            scores.append(rng.random())
            classes.append(rng.choice(lesions))
        rows.append((image_id, format_prediction_string(np.array(boxes).reshape(-1, 4),
                                                        np.array(scores), np.array(classes))))
    return pd.DataFrame(rows, columns=["image_id", "PredictionString"])


def test_lab04_mean_dice_equals_monai():
    key = seg.load_key()
    rng = np.random.default_rng(0)
    for _ in range(3):
        submission = _perturbed_masks(key, rng)
        assert seg.mean_dice_score(submission, key) == pytest.approx(
            _monai_mean_dice(submission, key), abs=1e-9)
    perfect = seg.example(key)
    assert seg.mean_dice_score(perfect, key) == 1.0 == pytest.approx(_monai_mean_dice(perfect, key))


def test_lab05_map50_equals_torchmetrics():
    key = det.load_key()
    rng = np.random.default_rng(0)
    got = []
    for _ in range(4):
        submission = _perturbed_boxes(key, rng)
        mine, reference = det.map50_score(submission, key), _torchmetrics_map50(submission, key)
        # torchmetrics hands COCOeval recall and IoU thresholds made by torch.linspace in float32;
        # the scorer keeps COCO's own float64 ones, so a recall that lands on a threshold can
        # move AP by about 0.002 (seen: at most 0.0010 on these files)
        assert mine == pytest.approx(reference, abs=0.003)
        got.append(mine)
    assert 0.05 < min(got) and max(got) < 0.99        # the perturbations are scored, not trivial
    perfect = det.example(key)
    assert det.map50_score(perfect, key) == pytest.approx(1.0)
    empty = perfect.assign(PredictionString="")
    assert det.map50_score(empty, key) == 0.0 == _torchmetrics_map50(empty, key)


@pytest.mark.parametrize("module", ["lab04_segmentation", "lab05_cxr_detection"])
def test_scoring_loads_no_torch(module):
    code = (f"import sys\nfrom common.submissions import {module} as m\n"
            "key = m.load_key()\nm.SUBMISSIONS[0].score(m.example(key), key)\n"
            "print(sorted(n for n in ('torch', 'monai', 'torchmetrics') if n in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
