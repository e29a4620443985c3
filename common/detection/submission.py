"""The ``PredictionString`` of detection leaderboards: ``class score x_min y_min x_max y_max ...``."""

from __future__ import annotations

import numpy as np

__all__ = ["format_prediction_string", "parse_prediction_string"]


def format_prediction_string(boxes, scores, class_ids) -> str:
    """Join detections as ``"class score x_min y_min x_max y_max"`` groups separated by spaces.

    Args:
        boxes: (N, 4) xyxy in pixels of the original image.
        scores: (N,) confidences in [0, 1].
        class_ids: (N,) dataset class ids (VinDr ids, not detector labels).

    Returns:
        The string; empty when there is no detection.
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    parts = [f"{int(c)} {float(s):.4f} {b[0]:.1f} {b[1]:.1f} {b[2]:.1f} {b[3]:.1f}"
             for c, s, b in zip(np.asarray(class_ids), np.asarray(scores), boxes)]
    return " ".join(parts)


def parse_prediction_string(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`format_prediction_string`.

    Returns:
        ``(class_ids (N,) int64, scores (N,) float32, boxes (N, 4) float32)``.

    Raises:
        ValueError: when the number of values is not a multiple of 6 or a value is not a number.
    """
    values = str(text).split()
    if len(values) % 6:
        raise ValueError(f"has {len(values)} values, not a multiple of 6 "
                         f"(class score x_min y_min x_max y_max per box)")
    try:
        arr = np.asarray([float(v) for v in values], dtype=np.float64).reshape(-1, 6)
    except ValueError:
        raise ValueError("holds a value that is not a number") from None
    if not np.isfinite(arr).all():
        raise ValueError("holds a value that is not finite")
    return arr[:, 0].astype(np.int64), arr[:, 1].astype(np.float32), arr[:, 2:].astype(np.float32)
