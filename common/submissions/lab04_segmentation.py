"""lab04's submission: ``submission.csv`` with one ``ImageId,EncodedPixels`` row per test image.

``EncodedPixels`` is the run-length encoding of the predicted binary mask: pairs ``start length``,
pixels numbered from 1 top to bottom, then left to right (see :mod:`common.io.rle`);
an empty cell means an empty mask. The score is the mean Dice over the test images (an image whose
true and predicted masks are both empty scores 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..answer_keys import answer_key_meta, read_answer_key
from ..io.rle import rle_decode, rle_problem
from .spec import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA", "image_shape", "mean_dice_score", "load_key"]

#: the answer key: the test masks of the seg2d dataset.
KEY = ("seg2d", "test_masks")


def image_shape() -> tuple[int, int]:
    """(H, W) of the test masks, as the answer key records it."""
    height, width = answer_key_meta(*KEY)["image_shape"]
    return int(height), int(width)


def _check_row(row: dict) -> str | None:
    problem = rle_problem(row.get("EncodedPixels", ""), image_shape())
    if problem:
        return f"ImageId {row.get('ImageId', '?')}: {problem}"
    return None


SCHEMA = Schema(
    id_column="ImageId",
    columns=[Column("ImageId", "str"), Column("EncodedPixels", "str", nullable=True)],
    row_check=_check_row,
    description=("ImageId: the test image's file stem; EncodedPixels: run-length encoded mask, "
                 "'start length' pairs, 1-based, column-major (top to bottom, then left to "
                 "right); empty for an empty mask."),
)


def load_key() -> pd.DataFrame:
    """The test masks' answer key (``ImageId,EncodedPixels``)."""
    return read_answer_key(*KEY).fillna("")


def mean_dice_score(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """Mean Dice of the submitted masks against the key, over the key's images (MONAI's Dice,
    through :func:`common.segmentation.segmentation_scores`)."""
    from ..segmentation.metrics import dice_scores   # the segmentation package loads MONAI: late

    shape = image_shape()
    sub = dict(zip(submission["ImageId"].astype(str).str.strip(),
                   submission["EncodedPixels"].astype(str)))
    ids = [str(i) for i in key["ImageId"]]
    pred = np.stack([rle_decode(sub.get(i, ""), shape) for i in ids])
    truth = np.stack([rle_decode(str(r), shape) for r in key["EncodedPixels"].fillna("")])
    return float(dice_scores(pred, truth).mean())


SUBMISSIONS = [
    SubmissionSpec(lab="lab04_segmentation", filename="submission.csv", schema=SCHEMA,
                   metric="mean_dice", load_key=load_key, score=mean_dice_score),
]
