"""MedMNIST-style ``.npz`` reader: ``train_images``, ``train_labels``, ``val_*``, ``test_*``.

Written for the course because the ``medmnist`` package downloads at run time and asserts the
official sample counts; this reader accepts any sizes and checks only the layout.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError

__all__ = ["SPLITS", "read_medmnist_npz", "write_medmnist_npz"]

SPLITS = ("train", "val", "test")


def read_medmnist_npz(path: str | Path, splits: tuple[str, ...] = SPLITS
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a MedMNIST-layout archive.

    Args:
        path: the ``.npz`` file.
        splits: the splits that must be present.

    Returns:
        ``{split: (images, labels)}``; images (N, H, W) or (N, H, W, C) uint8, labels (N, K).

    Raises:
        DataError: when the file or a key is missing, or images and labels differ in count.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The archive {path} does not exist; check the path or DLMIA_DATA.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        raise DataError(f"{path.name} is not a readable .npz archive; replace it with a complete "
                        f"copy.") from None
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


def write_medmnist_npz(path: str | Path, data: dict[str, tuple[np.ndarray, np.ndarray]]) -> Path:
    """Write ``{split: (images, labels)}`` in the MedMNIST layout (uncompressed ``.npz``)."""
    arrays = {}
    for split, (images, labels) in data.items():
        arrays[f"{split}_images"] = np.asarray(images)
        arrays[f"{split}_labels"] = np.asarray(labels).reshape(len(labels), -1)
    path = Path(path)
    np.savez(path, **arrays)
    return path
