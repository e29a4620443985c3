"""Detector predictions and COCO-style metrics (torchmetrics ``MeanAveragePrecision``)."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import torch
from torch import nn
from torchmetrics.detection import MeanAveragePrecision

__all__ = ["predict_detector", "detection_metrics"]


@torch.no_grad()
def predict_detector(model: nn.Module, loader: Iterable, device: torch.device | str = "cpu"
                     ) -> tuple[list[dict], list[dict]]:
    """Run a detector in eval mode over ``loader``.

    Returns:
        ``(predictions, targets)``: per image ``{"boxes" (N, 4) xyxy, "scores" (N,), "labels" (N,)}``
        and the loader's target dicts, all on the CPU.
    """
    model.eval().to(device)
    preds, targets = [], []
    for images, batch_targets in loader:
        out = model([im.to(device) for im in images])
        preds += [{k: v.cpu() for k, v in o.items()} for o in out]
        targets += [{k: v.cpu() for k, v in t.items()} for t in batch_targets]
    return preds, targets


def _tensor(value, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(dtype)
    return torch.tensor(np.array(value), dtype=dtype)


def detection_metrics(preds: Sequence[dict], targets: Sequence[dict],
                      class_names: dict[int, str] | None = None) -> dict[str, float]:
    """AP@0.5 per class, mAP@0.5, COCO mAP@[.5:.95] and recall@0.5.

    Args:
        preds: per image ``{"boxes": (N, 4) xyxy, "scores": (N,), "labels": (N,)}``.
        targets: per image ``{"boxes": (M, 4) xyxy, "labels": (M,)}``.
        class_names: detector label -> name, for the ``ap50_<name>`` keys.

    Returns:
        ``{"map50", "map", "recall", "ap50_<name>"...}``; ``recall`` is the fraction of true boxes
        found at IoU 0.5 with up to 100 detections per image (averaged over classes).
    """
    coco = MeanAveragePrecision(box_format="xyxy", iou_type="bbox", backend="faster_coco_eval")
    at50 = MeanAveragePrecision(box_format="xyxy", iou_type="bbox", iou_thresholds=[0.5],
                                class_metrics=True, backend="faster_coco_eval")
    preds = [{"boxes": _tensor(p["boxes"], torch.float32).reshape(-1, 4),
              "scores": _tensor(p["scores"], torch.float32),
              "labels": _tensor(p["labels"], torch.int64)} for p in preds]
    targets = [{"boxes": _tensor(t["boxes"], torch.float32).reshape(-1, 4),
                "labels": _tensor(t["labels"], torch.int64)} for t in targets]
    coco.update(preds, targets)
    at50.update(preds, targets)
    a, b = coco.compute(), at50.compute()
    out = {"map50": float(a["map_50"]), "map": float(a["map"]), "recall": float(b["mar_100"])}
    classes = b["classes"].reshape(-1).tolist()
    per_class = b["map_per_class"].reshape(-1).tolist()
    for c, ap in zip(classes, per_class):
        name = (class_names or {}).get(int(c), str(int(c)))
        out[f"ap50_{name}"] = float(ap)
    return out
