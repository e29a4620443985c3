"""Handwritten digits for lab01: scikit-learn's bundled set, or Kaggle's digit-recognizer CSVs.

By default the real scikit-learn digits (1,797 images of 8x8, bundled with the package) are used:
a fixed, stratified 20 % is held out as the test split (``ImageId`` 1..360, labels withheld from
the notebook) and the rest is the labelled pool for training and validation.

When ``<data root>/digit-recognizer/train.csv`` exists (Kaggle's layout: ``label, pixel0 ..
pixel783``; ``test.csv`` with the pixel columns only) that data is used instead; its test labels
are unknown, so no answer key exists for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from .errors import DataError
from .io.tables import read_digits_csv
from .paths import data_root

__all__ = ["DigitsData", "load_digits_data", "digits_answer_key", "read_kaggle_digits",
           "KAGGLE_FOLDER"]

KAGGLE_FOLDER = "digit-recognizer"
TEST_FRACTION = 0.2
SPLIT_SEED = 0


@dataclass(frozen=True)
class DigitsData:
    """The labelled pool and the unlabelled test split.

    Attributes:
        X_pool: (N, D) float32 pixel values of labelled images.
        y_pool: (N,) int64 labels 0-9.
        X_test: (M, D) float32 pixel values of the test images.
        test_ids: (M,) int64 ``ImageId`` values (1-based).
        image_shape: ``(8, 8)`` or ``(28, 28)``.
        source: ``"sklearn"`` or ``"kaggle"``.
    """

    X_pool: np.ndarray
    y_pool: np.ndarray
    X_test: np.ndarray
    test_ids: np.ndarray
    image_shape: tuple[int, int]
    source: str


def _sklearn_split():
    digits = load_digits()
    X = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    idx = np.arange(len(y))
    pool_idx, test_idx = train_test_split(idx, test_size=TEST_FRACTION, stratify=y,
                                          random_state=SPLIT_SEED)
    return X, y, np.sort(pool_idx), np.sort(test_idx)


def read_kaggle_digits(folder: Path) -> DigitsData:
    """Read Kaggle's ``train.csv`` (label + pixels) and ``test.csv`` (pixels) from ``folder``.

    Args:
        folder: the ``digit-recognizer`` folder.

    Returns:
        The labelled pool from ``train.csv`` and the test images of ``test.csv`` (``ImageId``
        counted from 1).

    Raises:
        DataError: when a file is missing or unreadable, or the two files' columns do not fit.
    """
    folder = Path(folder)
    train_path, test_path = folder / "train.csv", folder / "test.csv"
    for p in (train_path, test_path):
        if not p.is_file():
            raise DataError(f"{p} is missing; put Kaggle's digit-recognizer train.csv and test.csv "
                            f"in {folder}.")
    y_pool, X_pool = read_digits_csv(train_path, labelled=True)
    _, X_test = read_digits_csv(test_path, labelled=False)
    if X_test.shape[1] != X_pool.shape[1]:
        raise DataError(f"{test_path} and {train_path} have different pixel columns.")
    side = int(round(X_pool.shape[1] ** 0.5))
    return DigitsData(
        X_pool=X_pool,
        y_pool=y_pool,
        X_test=X_test,
        test_ids=np.arange(1, len(X_test) + 1, dtype=np.int64),
        image_shape=(side, side),
        source="kaggle",
    )


def load_digits_data(root: Path | None = None) -> DigitsData:
    """Kaggle's CSVs under ``<root>/digit-recognizer/`` if present, else scikit-learn's digits."""
    folder = Path(root or data_root()) / KAGGLE_FOLDER
    if (folder / "train.csv").exists():
        return read_kaggle_digits(folder)
    X, y, pool_idx, test_idx = _sklearn_split()
    return DigitsData(
        X_pool=X[pool_idx], y_pool=y[pool_idx], X_test=X[test_idx],
        test_ids=np.arange(1, len(test_idx) + 1, dtype=np.int64),
        image_shape=(8, 8), source="sklearn",
    )


def digits_answer_key() -> pd.DataFrame:
    """``ImageId,Label`` of scikit-learn digits' held-out test split (the grader's key)."""
    _, y, _, test_idx = _sklearn_split()
    return pd.DataFrame({"ImageId": np.arange(1, len(test_idx) + 1), "Label": y[test_idx]})
