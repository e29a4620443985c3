"""Answer keys of hidden test splits: written by the data builders, read by the scorers.

A key is a table ``<data root>/answer_keys/<dataset>/<name>.csv`` and, beside it, a small JSON
file ``<name>.json`` with what scoring needs besides the table (the image shape of a mask key, the
class ids of a box key). Keys live outside the dataset folders: the student loaders never read
them and the student release never ships them.

This module is on the ground floor (errors and paths only), so a scorer never needs to import a
phantom generator to learn an image size or a class list.

Example:
    >>> write_answer_key("seg2d", "test_masks", table, meta={"image_shape": [96, 96]})
    >>> read_answer_key("seg2d", "test_masks")          # the table
    >>> answer_key_meta("seg2d", "test_masks")["image_shape"]
    [96, 96]
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .errors import DataError
from .paths import answer_keys_dir

__all__ = ["write_answer_key", "read_answer_key", "answer_key_meta", "answer_key_path"]


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


def read_answer_key(dataset: str, name: str, root: Path | None = None) -> pd.DataFrame:
    """Read the table of an answer key written by :func:`write_answer_key`.

    Raises:
        DataError: the key does not exist.
    """
    path = answer_key_path(dataset, name, root)
    if not path.exists():
        raise DataError(
            f"The answer key {path} does not exist; run `dlmia data build {dataset}` first."
        )
    return pd.read_csv(path)


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
