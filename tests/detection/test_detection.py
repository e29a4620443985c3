"""common.detection: data, detector recipes, training through common.training.fit, metrics, CAMs,
PredictionString."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor

from common.detection import (DetectionDataset, build_detector, choose_recipe, collate_detection,
                              detection_metrics, detector_cams, detector_step,
                              format_prediction_string, parse_prediction_string, predict_detector,
                              read_rsna_table, read_vindr_table)
from common.detection.cam import fpn_reshape_transform
from common.detection.data import boxes_by_image
from common.errors import DataError
from common.loaders import make_loader
from common.training import fit


def _toy(n=6, size=64, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.normal(0.3, 0.02, (n, size, size)).astype(np.float32)
    targets = []
    for i in range(n):
        x, y = rng.integers(8, size - 24, 2)
        images[i, y:y + 14, x:x + 14] = 0.9
        targets.append({"boxes": np.array([[x, y, x + 14, y + 14]], np.float32),
                        "labels": np.array([1])})
    return images, targets


def _small_detector(num_classes=2):
    torch.manual_seed(0)
    m = build_detector("cpu", weights=False)
    m.roi_heads.box_predictor = FastRCNNPredictor(256, num_classes)
    m.transform.min_size, m.transform.max_size = (64,), 64
    return m


def test_metrics_perfect_and_empty():
    t = [{"boxes": np.array([[0, 0, 10, 10], [20, 20, 40, 40]], np.float32), "labels": np.array([1, 2])}]
    perfect = [{"boxes": t[0]["boxes"], "scores": np.array([0.9, 0.8], np.float32), "labels": t[0]["labels"]}]
    s = detection_metrics(perfect, t, {1: "a", 2: "b"})
    assert s["map50"] == pytest.approx(1.0) and s["recall"] == pytest.approx(1.0)
    assert s["ap50_a"] == pytest.approx(1.0) and s["ap50_b"] == pytest.approx(1.0)
    shifted = [{"boxes": t[0]["boxes"] + 8, "scores": np.array([0.9, 0.8], np.float32), "labels": t[0]["labels"]}]
    assert detection_metrics(shifted, t)["map50"] < 0.6


def test_dataset_flip_moves_boxes():
    images, targets = _toy(1)
    ds = DetectionDataset(images, targets, augment=True, seed=1)
    for _ in range(6):
        img, t = ds[0]
        assert img.shape == (3, 64, 64)
        x0, y0, x1, y1 = t["boxes"][0].int().tolist()
        assert img[0, y0 + 2:y1 - 2, x0 + 2:x1 - 2].min() > 0.8


def test_boxes_by_image_and_tables(tmp_path):
    table = pd.DataFrame({"image_id": ["a", "a", "b"], "class_name": ["N", "O", "No finding"],
                          "class_id": [8, 7, 14], "rad_id": ["R1"] * 3,
                          "x_min": [1, 2, np.nan], "y_min": [1, 2, np.nan],
                          "x_max": [5, 6, np.nan], "y_max": [5, 6, np.nan]})
    out = boxes_by_image(table, ["a", "b"], {7: 1, 8: 2})
    assert out[0]["labels"].tolist() == [2, 1] and out[1]["boxes"].shape == (0, 4)
    table.to_csv(tmp_path / "t.csv", index=False)
    assert len(read_vindr_table(tmp_path / "t.csv")) == 3
    with pytest.raises(DataError, match="VinDr"):
        table.drop(columns="rad_id").to_csv(tmp_path / "bad.csv", index=False)
        read_vindr_table(tmp_path / "bad.csv")
    pd.DataFrame({"patientId": ["p", "q"], "x": [1, np.nan], "y": [2, np.nan], "width": [3, np.nan],
                  "height": [4, np.nan], "Target": [1, 0]}).to_csv(tmp_path / "r.csv", index=False)
    rsna = read_rsna_table(tmp_path / "r.csv")
    assert rsna.loc[0, "x_max"] == 4 and rsna.loc[1, "class_name"] == "No finding"


def test_prediction_string_round_trip():
    s = format_prediction_string([[1, 2, 3, 4]], [0.5], [8])
    c, sc, b = parse_prediction_string(s)
    assert c.tolist() == [8] and sc.tolist() == [0.5] and b.tolist() == [[1, 2, 3, 4]]
    assert parse_prediction_string("")[0].shape == (0,)
    with pytest.raises(ValueError, match="multiple of 6"):
        parse_prediction_string("8 0.5 1 2 3")


def test_recipe_on_cpu_is_small():
    assert choose_recipe("cpu").name == "cpu"
    m = build_detector("cpu", weights=False)
    assert m.transform.min_size == (256,) and m.transform.max_size == 256
    assert m.roi_heads.box_predictor.cls_score.out_features == 91


@pytest.mark.slow
def test_training_reduces_loss_and_predicts():
    images, targets = _toy(4)
    loader = make_loader(DetectionDataset(images, targets), batch_size=2, collate_fn=collate_detection)
    m = _small_detector()
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    h = fit(m, loader, loader, step=detector_step, optimizer=opt, max_epochs=3, progress=False,
            evaluate=lambda mm, ld: detection_metrics(*predict_detector(mm, ld)),
            monitor="val_map50", mode="max", device="cpu")
    assert len(h.frame) == 3 and h.frame.train_loss.iloc[-1] < h.frame.train_loss.iloc[0]
    assert "val_map50" in h.frame and 1 <= h.best_epoch <= 3
    terms = ["loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"]
    assert np.allclose(h.frame[terms].sum(axis=1), h.frame.train_loss)
    assert h.best_score == h.frame.val_map50.max() and not m.training
    preds, tgts = predict_detector(m, loader)
    assert len(preds) == 4 and set(preds[0]) == {"boxes", "labels", "scores"}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cams_have_image_shape():
    m = _small_detector().eval()
    image = torch.rand(3, 64, 64)
    cams = detector_cams(m, image, torch.tensor([[10.0, 10, 30, 30]]), torch.tensor([1]),
                         ratio_channels_to_ablate=0.02, batch_size=4)
    assert cams["EigenCAM"].shape == cams["AblationCAM"].shape == (64, 64)
    assert np.isfinite(cams["EigenCAM"]).all()


def test_reshape_transform_keeps_stride8_level():
    feats = {"0": torch.rand(1, 4, 16, 16), "1": torch.rand(1, 4, 8, 8), "pool": torch.rand(1, 4, 1, 1)}
    assert fpn_reshape_transform(feats).shape == (1, 12, 8, 8)
