"""Run-length encoding of binary masks, as used by the lab04 submission and its scorer.

**Pixel order.** Pixels are numbered from 1, **top to bottom, then left to right** (column-major,
NumPy ``order="F"``): pixel 1 is (row 0, col 0), pixel 2 is (row 1, col 0), pixel ``H + 1`` is
(row 0, col 1). This is the convention of Kaggle's segmentation competitions (e.g. Ultrasound
Nerve Segmentation, Airbus Ship Detection).

**Format.** A space-separated list of pairs ``start length``: each run of foreground pixels starts
at pixel ``start`` and covers ``length`` pixels. Runs are sorted by start and do not overlap.
An empty mask is the empty string.

Example:
    >>> m = np.array([[0, 1], [1, 1]], bool)   # column-major: 0 1 1 1
    >>> rle_encode(m)
    '2 3'
    >>> rle_decode('2 3', (2, 2)).astype(int).tolist()
    [[0, 1], [1, 1]]
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import DataError

__all__ = ["rle_encode", "rle_decode", "rle_problem"]


def rle_encode(mask: np.ndarray) -> str:
    """Encode a binary mask.

    Args:
        mask: (H, W) array; non-zero pixels are foreground.

    Returns:
        ``"start length start length ..."`` (1-based, column-major); ``""`` for an empty mask.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise DataError(f"rle_encode expects a 2D (H, W) mask but got shape {mask.shape}; "
                        f"encode one image at a time.")
    pixels = np.concatenate([[0], (mask != 0).flatten(order="F").astype(np.int8), [0]])
    changes = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    starts, ends = changes[::2], changes[1::2]
    return " ".join(f"{s} {e - s}" for s, e in zip(starts, ends))


#: a run start or length: ASCII digits, at most 18 (fits int64; ``str.isdigit`` also takes "²").
_WHOLE = re.compile(r"[0-9]{1,18}")


def _parse(rle: str) -> np.ndarray:
    text = "" if rle is None else str(rle).strip()
    if text.lower() in ("", "nan"):
        return np.zeros((0, 2), dtype=np.int64)
    tokens = text.split()
    bad = next((t for t in tokens if not _WHOLE.fullmatch(t)), None)
    if bad is not None:
        raise DataError(f"the run-length encoding holds {bad!r}; it must be positive whole numbers "
                        f"separated by spaces.")
    if len(tokens) % 2:
        raise DataError(f"the run-length encoding has an odd number of values ({len(tokens)}); "
                        f"write pairs 'start length'.")
    return np.asarray(tokens, dtype=np.int64).reshape(-1, 2)


def rle_problem(rle: str, shape: tuple[int, int]) -> str | None:
    """Describe what is wrong with an encoding for an image of ``shape``, or return None.

    Checks: positive whole numbers, an even count, starts ≥ 1 and lengths ≥ 1, runs inside the
    image, runs sorted by start, no overlapping runs.
    """
    try:
        pairs = _parse(rle)
    except DataError as exc:
        return str(exc)[0].upper() + str(exc)[1:]
    if len(pairs) == 0:
        return None
    starts, lengths = pairs[:, 0], pairs[:, 1]
    total = int(shape[0]) * int(shape[1])
    if (starts < 1).any() or (lengths < 1).any():
        return "Every start and every length must be at least 1 (pixels are numbered from 1)."
    ends = starts + lengths - 1
    if (ends > total).any():
        i = int(np.argmax(ends > total))
        return (f"The run '{starts[i]} {lengths[i]}' ends at pixel {ends[i]}, outside the "
                f"{shape[0]}x{shape[1]} image ({total} pixels).")
    if (np.diff(starts) <= 0).any():
        i = int(np.argmax(np.diff(starts) <= 0))
        return (f"The runs are not sorted by start ({starts[i]} comes before {starts[i + 1]}); "
                f"list runs in increasing pixel order.")
    if (starts[1:] <= ends[:-1]).any():
        i = int(np.argmax(starts[1:] <= ends[:-1]))
        return (f"The runs starting at {starts[i]} and {starts[i + 1]} overlap; each pixel may "
                f"belong to one run only.")
    return None


def rle_decode(rle: str, shape: tuple[int, int]) -> np.ndarray:
    """Decode an encoding into a boolean mask, checking it first.

    Args:
        rle: ``"start length ..."`` as written by :func:`rle_encode`; ``""`` or NaN is empty.
        shape: ``(H, W)`` of the image.

    Returns:
        (H, W) boolean mask.

    Raises:
        DataError: when :func:`rle_problem` finds a problem.
    """
    problem = rle_problem(rle, shape)
    if problem:
        raise DataError(problem)
    flat = np.zeros(int(shape[0]) * int(shape[1]), dtype=bool)
    for start, length in _parse(rle):
        flat[start - 1:start - 1 + length] = True
    return flat.reshape(shape, order="F")
