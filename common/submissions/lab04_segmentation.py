"""lab04's submission: ``submission.csv`` with one ``ImageId,EncodedPixels`` row per test image.

``EncodedPixels`` is the run-length encoding of the predicted binary mask: pairs ``start length``,
pixels numbered from 1 top to bottom, then left to right (see :mod:`common.segmentation.rle`);
an empty cell means an empty mask. The score is the mean Dice over the test images (an image whose
true and predicted masks are both empty scores 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..phantoms.build import read_answer_key
from ..phantoms.seg2d import SIZE
from ..segmentation.rle import rle_decode, rle_problem
from .registry import SubmissionSpec
from .schema import Column, Schema

__all__ = ["SUBMISSIONS", "SCHEMA", "IMAGE_SHAPE", "mean_dice_score", "load_key"]

#: (H, W) of the seg2d test images.
IMAGE_SHAPE = (SIZE, SIZE)


def _check_row(row: dict) -> str | None:
    problem = rle_problem(row.get("EncodedPixels", ""), IMAGE_SHAPE)
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
    return read_answer_key("seg2d", "test_masks").fillna("")


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    total = a.sum() + b.sum()
    return 1.0 if total == 0 else float(2 * (a & b).sum() / total)


def mean_dice_score(submission: pd.DataFrame, key: pd.DataFrame) -> float:
    """Mean Dice of the submitted masks against the key, over the key's images."""
    sub = dict(zip(submission["ImageId"].astype(str).str.strip(),
                   submission["EncodedPixels"].astype(str)))
    scores = [_dice(rle_decode(sub.get(str(i), ""), IMAGE_SHAPE), rle_decode(str(r), IMAGE_SHAPE))
              for i, r in zip(key["ImageId"], key["EncodedPixels"].fillna(""))]
    return float(np.mean(scores))


SUBMISSIONS = [
    SubmissionSpec(lab="lab04_segmentation", filename="submission.csv", schema=SCHEMA,
                   metric="mean_dice", load_key=load_key, score=mean_dice_score),
]
