"""Answer keys of hidden test splits: written by the data builders, read by the scorers.

A key is a table ``<data root>/answer_keys/<dataset>/<name>.csv`` and, beside it, a small JSON
file ``<name>.json`` with what scoring needs besides the table (the image shape of a mask key, the
class ids of a box key). Keys live outside the dataset folders: the student loaders never read
them and the student release never ships them.

A key of binary masks (seg2d's ``test_masks``) is a table ``ImageId,Height,Width,PackedMask``
written from :func:`mask_key_table`: ``PackedMask`` is the base64 text of :func:`numpy.packbits`
of the mask's pixels in row-major order, a lossless storage of the mask that is not the
run-length format lab04 asks students to write. :func:`read_mask_key` reads such a key and
:func:`key_masks` gives its masks back.

This module is on the ground floor (errors and paths only), so a scorer never needs to import a
phantom generator to learn an image size or a class list.

Example:
    >>> write_answer_key("seg2d", "test_masks", mask_key_table(masks),
    ...                  meta={"image_shape": [96, 96]})
    >>> read_answer_key("seg2d", "test_masks")          # the table
    >>> answer_key_meta("seg2d", "test_masks")["image_shape"]
    [96, 96]
    >>> key_masks(read_mask_key("seg2d", "test_masks"))["test_0000"].shape
    (96, 96)
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .paths import answer_keys_dir

__all__ = ["write_answer_key", "read_answer_key", "answer_key_meta", "answer_key_path",
           "MASK_KEY_COLUMNS", "mask_key_table", "read_mask_key", "key_masks"]

#: the columns of a key of binary masks, one row per image.
MASK_KEY_COLUMNS = ("ImageId", "Height", "Width", "PackedMask")


def answer_key_path(dataset: str, name: str, root: Path | None = None) -> Path:
    """Path of the table of key ``name`` of ``dataset`` (``root``: the data root)."""
    folder = Path(root) / "answer_keys" if root else answer_keys_dir()
    return folder / dataset / f"{name}.csv"


def _replace(path: Path, write) -> None:
    """Write through a sibling temporary file, so readers never see half a key."""
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


def write_answer_key(dataset: str, name: str, table: pd.DataFrame, root: Path | None = None,
                     meta: dict | None = None) -> Path:
    """Write the answer key of a hidden test split (and its metadata, when given).

    Args:
        dataset: the dataset folder's name (``"seg2d"``).
        name: the key's name (``"test_masks"``).
        table: one row per scored item; written without the index.
        root: the data root (default :func:`common.paths.data_root`).
        meta: JSON-serialisable facts scoring needs (``{"image_shape": [96, 96]}``).

    Returns:
        The path of the table.
    """
    path = answer_key_path(dataset, name, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace(path, lambda p: table.to_csv(p, index=False))
    meta_path = path.with_suffix(".json")
    if meta is not None:
        text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
        _replace(meta_path, lambda p: p.write_text(text))
    return path


def read_answer_key(dataset: str, name: str, root: Path | None = None,
                    dtype: dict | None = None) -> pd.DataFrame:
    """Read the table of an answer key written by :func:`write_answer_key`.

    Args:
        dataset, name, root: as :func:`write_answer_key`.
        dtype: column types for :func:`pandas.read_csv` (``{"ImageId": str}`` keeps ids such as
            ``0007`` as written).

    Raises:
        DataError: the key does not exist.
    """
    path = answer_key_path(dataset, name, root)
    if not path.exists():
        raise DataError(
            f"The answer key {path} does not exist; run `dlmia data build {dataset}` first."
        )
    return pd.read_csv(path, dtype=dtype)


def answer_key_meta(dataset: str, name: str, root: Path | None = None) -> dict:
    """The metadata written with an answer key (image shape, class ids, ...).

    Raises:
        DataError: the key has no metadata, or it is not valid JSON.
    """
    path = answer_key_path(dataset, name, root).with_suffix(".json")
    if not path.exists():
        raise DataError(f"The answer key metadata {path} does not exist; rebuild it with "
                        f"`dlmia data build {dataset} --force`.")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        raise DataError(f"The answer key metadata {path} is not valid JSON; rebuild it with "
                        f"`dlmia data build {dataset} --force`.") from None


def mask_key_table(masks: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The table of a key of binary masks, for :func:`write_answer_key`.

    Args:
        masks: ``{image id: (H, W) mask}``; a non-zero pixel is foreground.

    Returns:
        One row per image, in the mapping's order: ``ImageId``, ``Height``, ``Width`` and
        ``PackedMask`` (base64 of :func:`numpy.packbits` of the row-major pixels).

    Raises:
        DataError: when a mask is not 2D.
    """
    rows = []
    for image_id, mask in masks.items():
        mask = np.asarray(mask) != 0
        if mask.ndim != 2:
            raise DataError(f"The mask of {image_id} has shape {mask.shape}; a mask key holds one "
                            f"(H, W) mask per image.")
        packed = base64.b64encode(np.packbits(mask, axis=None).tobytes()).decode("ascii")
        rows.append((str(image_id), mask.shape[0], mask.shape[1], packed))
    return pd.DataFrame(rows, columns=list(MASK_KEY_COLUMNS))


def read_mask_key(dataset: str, name: str, root: Path | None = None) -> pd.DataFrame:
    """Read a key of binary masks written from :func:`mask_key_table`.

    Returns:
        The table, ``ImageId`` and ``PackedMask`` as text, ``Height`` and ``Width`` as integers.

    Raises:
        DataError: the key does not exist, or it lacks a column (a key of an older build, whose
            masks were run-length encoded, says so).
    """
    table = read_answer_key(dataset, name, root, dtype={"ImageId": str, "PackedMask": str})
    missing = [c for c in MASK_KEY_COLUMNS if c not in table.columns]
    if missing:
        path = answer_key_path(dataset, name, root)
        found = ("holds run-length encoded masks, the format of an older build"
                 if "EncodedPixels" in table.columns else f"has no column {missing[0]}")
        raise DataError(f"The answer key {path} {found}; rebuild it with "
                        f"`dlmia data build {dataset}`.")
    table = table.assign(PackedMask=table["PackedMask"].fillna(""))
    try:
        return table.astype({"Height": np.int64, "Width": np.int64})
    except (ValueError, TypeError):
        raise DataError(f"The answer key {answer_key_path(dataset, name, root)} has a height or "
                        f"width that is not a whole number; rebuild it with "
                        f"`dlmia data build {dataset}`.") from None


def key_masks(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """The masks of a key read by :func:`read_mask_key` (or a selection of its rows).

    Returns:
        ``{image id: (Height, Width) boolean mask}`` in the table's order.

    Raises:
        DataError: when a ``PackedMask`` is not base64 of exactly ``Height x Width`` bits.
    """
    masks = {}
    for image_id, height, width, packed in zip(table["ImageId"], table["Height"], table["Width"],
                                               table["PackedMask"]):
        count = int(height) * int(width)
        try:
            data = np.frombuffer(base64.b64decode(packed, validate=True), dtype=np.uint8)
        except (ValueError, TypeError):   # binascii.Error is a ValueError
            data = None
        if data is None or len(data) != (count + 7) // 8:
            raise DataError(f"The answer key's mask of {image_id} is not {height}x{width} packed "
                            f"pixels; rebuild its dataset with `dlmia data build NAME --force`.")
        masks[str(image_id)] = np.unpackbits(data, count=count).reshape(int(height),
                                                                        int(width)).astype(bool)
    return masks
