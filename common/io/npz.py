"""MedMNIST-style ``.npz`` reader: ``train_images``, ``train_labels``, ``val_*``, ``test_*``.

Written for the course because the ``medmnist`` package downloads at run time and asserts the
official sample counts; this reader accepts any sizes and checks the layout and the values. The
2D sets store images as (N, H, W) or (N, H, W, C), the 3D sets (e.g. NoduleMNIST3D) as
(N, D, H, W); labels are whole numbers >= 0, (N,) or (N, K). Pickled content is never loaded
(``allow_pickle=False``); every member is read in full, so a damaged archive fails its CRC check
here rather than giving wrong arrays later.

Example:
    >>> images, labels = read_medmnist_npz("nodulemnist3d.npz")["train"]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ._guard import finite_or_raise, require_file

__all__ = ["SPLITS", "read_medmnist_npz"]

SPLITS = ("train", "val", "test")


def _member(archive, path: Path, key: str) -> np.ndarray:
    """One array of the archive, read in full; any failure as one sentence."""
    try:
        return archive[key]
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(f"{path.name} stores {key} as Python objects (pickled), which are "
                            f"never loaded; save plain numeric arrays with numpy.savez.") from None
        raise DataError(f"{key} in {path.name} cannot be read (ValueError: the member is "
                        f"truncated or damaged); replace the archive with a complete "
                        f"copy.") from None
    except Exception as exc:  # zipfile.BadZipFile (CRC), zlib.error, EOFError, OSError...
        raise DataError(f"{key} in {path.name} cannot be read ({exc.__class__.__name__}: the "
                        f"archive is truncated or damaged); replace it with a complete "
                        f"copy.") from None


def _check_split(path: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    if images.ndim not in (3, 4):
        raise DataError(f"{path.name} holds {split} images of shape {images.shape}; a MedMNIST "
                        f"archive holds (N, H, W), (N, H, W, C) or (N, D, H, W) images.")
    if labels.ndim not in (1, 2):
        raise DataError(f"{path.name} holds {split} labels of shape {labels.shape}; labels are "
                        f"(N,) or (N, K).")
    if len(images) != len(labels):
        raise DataError(f"{path.name} has {len(images)} {split} images but {len(labels)} "
                        f"labels; the counts must match.")
    if len(images) == 0:
        raise DataError(f"{path.name} has no {split} images; every split needs at least one.")
    for what, array in (("images", images), ("labels", labels)):
        if array.dtype.kind not in "biuf":
            raise DataError(f"{path.name} stores {split} {what} as {array.dtype}, not numbers; "
                            f"save numeric arrays.")
        finite_or_raise(array, f"{path.name} ({split} {what})", "save finite numbers only")
    if labels.dtype.kind == "f" and not np.all(np.mod(labels, 1) == 0):
        raise DataError(f"{path.name} holds {split} labels that are not whole numbers; labels "
                        f"are class indices (0, 1, ...).")
    if labels.min() < 0:
        raise DataError(f"{path.name} holds a negative {split} label ({labels.min():g}); labels "
                        f"are class indices (0, 1, ...).")


def read_medmnist_npz(path: str | Path, splits: tuple[str, ...] = SPLITS
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Read a MedMNIST-layout archive.

    Args:
        path: the ``.npz`` file.
        splits: the splits that must be present.

    Returns:
        ``{split: (images, labels)}``; images as stored (uint8 in MedMNIST), (N, H, W),
        (N, H, W, C) or (N, D, H, W); labels (N, K) (K = 1 for single-label sets), as stored.

    Raises:
        DataError: when the file or a key is missing; the file is empty, truncated, damaged,
            pickled or a single array; a split is empty, has the wrong number of dimensions,
            non-numeric or NaN/infinite values, labels that are negative or not whole numbers,
            or images and labels that differ in count.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The archive {path} does not exist; check the path or DLMIA_DATA.")
    path = require_file(path, "archive")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception:  # OSError, ValueError (pickled), EOFError, zipfile.BadZipFile...
        raise DataError(f"{path.name} is not a readable .npz archive (truncated, damaged or "
                        f"pickled); replace it with a complete copy saved by numpy.savez.") from None
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
            images, labels = _member(archive, path, keys[0]), _member(archive, path, keys[1])
            _check_split(path, split, images, labels)
            out[split] = (images, labels.reshape(len(labels), -1))
    return out
