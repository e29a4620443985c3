"""The ``PredictionString`` of detection leaderboards: ``class score x_min y_min x_max y_max ...``.

Six values per detection, separated by whitespace: a class id written as a whole number (ASCII
digits with an optional leading minus, at most 18), then a confidence and four box corners
written as finite decimal numbers (``[-]digits[.digits][e[+-]digits]``: ``0.9``, ``12``,
``1.5e2``). ``7.6``, ``7.0``, ``nan``, ``inf``, ``0x3`` and ``1_000`` are refused, and so is a
score or coordinate that does not fit a float32. An empty string means no detection.
Needs NumPy only.

Example:
    >>> text = format_prediction_string([[10, 20, 30, 40]], [0.9], [8])
    >>> text
    '8 0.9000 10.0 20.0 30.0 40.0'
    >>> classes, scores, boxes = parse_prediction_string(text)
    >>> classes.tolist(), boxes.shape
    ([8], (1, 4))
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["format_prediction_string", "parse_prediction_string"]

_CLASS_ID = re.compile(r"-?[0-9]{1,18}")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


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


def _shown(token: str) -> str:
    return repr(token if len(token) <= 20 else token[:20] + "...")


def parse_prediction_string(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`format_prediction_string`, with the rules of the module docstring.

    Args:
        text: the ``PredictionString`` cell; empty for no detection.

    Returns:
        ``(class_ids (N,) int64, scores (N,) float32, boxes (N, 4) float32)``.

    Raises:
        ValueError: when the number of values is not a multiple of 6, a class id is not a whole
            number, or another value is not a finite number; the message continues the phrase
            "PredictionString ...".
    """
    values = str(text).split()
    if len(values) % 6:
        raise ValueError(f"has {len(values)} values, not a multiple of 6 "
                         f"(class score x_min y_min x_max y_max per box)")
    classes = values[0::6]
    bad = next((t for t in classes if not _CLASS_ID.fullmatch(t)), None)
    if bad is not None:
        raise ValueError(f"holds the class id {_shown(bad)}, which is not a whole number")
    numbers = [t for i, t in enumerate(values) if i % 6]
    bad = next((t for t in numbers if not _NUMBER.fullmatch(t)), None)
    if bad is not None:
        raise ValueError(f"holds {_shown(bad)}, which is not a number")
    rest = np.asarray(numbers, dtype=np.float64).reshape(-1, 5)
    with np.errstate(over="ignore"):
        rest32 = rest.astype(np.float32)
    if not np.isfinite(rest32).all():
        raise ValueError("holds a value that is not a finite number (or too large for a float32)")
    return (np.asarray([int(c) for c in classes], dtype=np.int64).reshape(-1), rest32[:, 0],
            rest32[:, 1:])
