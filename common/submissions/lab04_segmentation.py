"""lab04's submission: ``submission.csv`` with one ``ImageId,EncodedPixels`` row per test image.

``EncodedPixels`` is the run-length encoding of the predicted binary mask: pairs ``start length``,
pixels numbered from 1 top to bottom, then left to right (see :mod:`common.io.rle`);
an empty cell means an empty mask. Every value is ASCII digits (at most 18). The score is the mean
Dice over the test images (an image whose true and predicted masks are both empty scores 1),
against the answer key of seg2d's test masks (:func:`common.answer_keys.read_mask_key`: packed
masks, not run-length encodings).

Size: real 2D sets have up to 2,000 test images (Kvasir-SEG 1,000, ISIC 2018 1,000); a lesion
mask on a megapixel image encodes to about one run per column, under 16 KiB, so the default limit
is 2,000 × 16 KiB = 32 MiB. A cell may hold up to 1 MiB, more than the longest possible encoding
of a 96 × 96 mask (alternate pixels, about 32 KB).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..answer_keys import answer_key_meta, key_masks, read_mask_key
from .schema import Column, RowCheck, Schema
from .spec import SubmissionSpec

__all__ = ["SUBMISSIONS", "SCHEMA", "image_shape", "mean_dice_score", "load_key", "example"]

#: the answer key: the test masks of the seg2d dataset.
KEY = ("seg2d", "test_masks")
_VALUE = re.compile(r"[0-9]{1,18}")


def image_shape() -> tuple[int, int]:
    """(H, W) of the test masks, as the answer key records it."""
    height, width = answer_key_meta(*KEY)["image_shape"]
    return int(height), int(width)


def _make_row_check() -> RowCheck:
    from ..io.rle import rle_problem   # the io package loads image readers: only when checking

    shape = image_shape()

    def check(row: dict) -> str | None:
        text = row.get("EncodedPixels", "")
        image_id = row.get("ImageId", "?")
        bad = next((t for t in text.split() if not _VALUE.fullmatch(t)), None)
        if bad is not None:
            shown = bad if len(bad) <= 20 else bad[:20] + "..."
            return (f"ImageId {image_id}: the run-length encoding holds {shown!r}; write positive "
                    f"whole numbers (ASCII digits) separated by spaces.")
        problem = rle_problem(text, shape)
        return f"ImageId {image_id}: {problem}" if problem else None

    return check


SCHEMA = Schema(
    id_column="ImageId",
    columns=[Column("ImageId", "str"), Column("EncodedPixels", "str", nullable=True)],
    make_row_check=_make_row_check,
    description=("ImageId: the test image's file stem; EncodedPixels: run-length encoded mask, "
                 "'start length' pairs, 1-based, column-major (top to bottom, then left to "
                 "right); empty for an empty mask."),
)


def load_key() -> pd.DataFrame:
    """The test masks' answer key (``ImageId,Height,Width,PackedMask``, read by
    :func:`common.answer_keys.read_mask_key`)."""
    return read_mask_key(*KEY)


def mean_dice_score(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """Mean Dice of the submitted masks against the key, over the key's images.

    An image whose true and predicted masks are both empty scores 1, as MONAI's ``DiceMetric``
    with ``ignore_empty=False`` gives (the lab's metric; ``tests/submissions`` checks they agree).
    Counted with NumPy, so that scoring a file needs neither torch nor MONAI (a cold start stays
    within a second and a few hundred MB, as a leaderboard server needs).
    """
    from ..io.rle import rle_decode

    sub = dict(zip(submission["ImageId"].astype(str).str.strip(),
                   submission["EncodedPixels"].fillna("").astype(str)))
    per_image = []
    for image_id, truth in key_masks(key).items():
        pred = rle_decode(sub.get(image_id, ""), truth.shape)
        marked = int(truth.sum()) + int(pred.sum())
        per_image.append(1.0 if marked == 0 else 2.0 * int((truth & pred).sum()) / marked)
    return float(np.mean(per_image))


def example(key: pd.DataFrame, largest: bool = False) -> pd.DataFrame:
    """The key's masks as a submission (mean Dice 1); the largest file marks every other pixel
    of every image (the longest valid encoding)."""
    if largest:
        height, width = image_shape()
        alternate = " ".join(f"{start} 1" for start in range(1, height * width + 1, 2))
        masks = [alternate] * len(key)
    else:
        from ..io.rle import rle_encode

        masks = [rle_encode(mask) for mask in key_masks(key).values()]
    return pd.DataFrame({"ImageId": key["ImageId"].astype(str), "EncodedPixels": masks})


SUBMISSIONS = [
    SubmissionSpec(lab="lab04_segmentation", filename="submission.csv", schema=SCHEMA,
                   metric="mean_dice", load_key=load_key, score=mean_dice_score,
                   real_rows=2_000, row_bytes=16 * 2**10, max_cell=2**20, example=example),
]
