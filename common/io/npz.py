"""MedMNIST-style ``.npz`` reader: ``train_images``, ``train_labels``, ``val_*``, ``test_*``.

Written for the course because the ``medmnist`` package downloads at run time and asserts the
official sample counts; this reader accepts any sizes and checks only the layout. The 2D sets
store images as (N, H, W) or (N, H, W, C), the 3D sets (e.g. NoduleMNIST3D) as (N, D, H, W).

Example:
    >>> images, labels = read_medmnist_npz("nodulemnist3d.npz")["train"]
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataError

__all__ = ["SPLITS", "read_medmnist_npz"]

SPLITS = ("train", "val", "test")


def read_medmnist_npz(path: str | Path, splits: tuple[str, ...] = SPLITS
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a MedMNIST-layout archive.

    Args:
        path: the ``.npz`` file.
        splits: the splits that must be present.

    Returns:
        ``{split: (images, labels)}``; images as stored (uint8 in MedMNIST), (N, H, W),
        (N, H, W, C) or (N, D, H, W); labels (N, K) (K = 1 for single-label sets).

    Raises:
        DataError: when the file or a key is missing, or images and labels differ in count.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The archive {path} does not exist; check the path or DLMIA_DATA.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile):
        raise DataError(f"{path.name} is not a readable .npz archive; replace it with a complete "
                        f"copy.") from None
    if not hasattr(archive, "files"):  # a single .npy array, not an archive
        raise DataError(f"{path.name} holds one array, not a MedMNIST archive; pass the .npz "
                        f"file with <split>_images and <split>_labels.")
    with archive:
        out = {}
        for split in splits:
            keys = (f"{split}_images", f"{split}_labels")
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise DataError(f"{path.name} has no {', '.join(missing)}; a MedMNIST archive "
                                f"holds <split>_images and <split>_labels for {', '.join(splits)}.")
            images, labels = archive[keys[0]], archive[keys[1]]
            if len(images) != len(labels):
                raise DataError(f"{path.name} has {len(images)} {split} images but {len(labels)} "
                                f"labels; the counts must match.")
            out[split] = (images, labels.reshape(len(labels), -1))
    return out
