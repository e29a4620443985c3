"""The cxr phantom laid out as the VinDr-CXR download (Kaggle "VinBigData Chest X-ray
Abnormalities Detection").

:func:`make_real_layout` turns a built phantom folder into what a user has after unpacking the
competition's files as ``datasets/cxr.md`` says::

    cxr/
      train.csv                 image_id, class_name, class_id, rad_id, x_min, y_min, x_max, y_max
      train/<image_id>.dicom    32-hex-digit image ids, MONOCHROME1 and MONOCHROME2
      test/<image_id>.dicom     no boxes
      sample_submission.csv     image_id, PredictionString ("14 1 0 0 1 1" for every image)

with the readers' rows as the phantom writes them (three ``rad_id`` per image, ``No finding``
rows with empty boxes) and nothing the phantom builder adds: no manifest, no build marker, no
answer key. The DICOM files are copied byte for byte under their new names.

Example:
    >>> make_real_layout(datasets / "cxr", tmp / "data" / "cxr")
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd

__all__ = ["make_real_layout", "real_name"]


def real_name(image_id: str) -> str:
    """The 32-hex-digit image id VinDr-CXR gives the phantom's ``image_id``."""
    return hashlib.md5(f"vindr-{image_id}".encode()).hexdigest()


def make_real_layout(phantom_dir: Path | str, out_dir: Path | str) -> Path:
    """Write the VinDr-CXR layout of a built cxr phantom into ``out_dir`` (created; must not
    exist).

    Args:
        phantom_dir: a built ``cxr`` phantom folder (``train/``, ``test/``, ``train.csv``).
        out_dir: the new dataset folder, e.g. ``<data root>/cxr``.

    Returns:
        ``out_dir``.
    """
    phantom_dir, out_dir = Path(phantom_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=False)
    table = pd.read_csv(phantom_dir / "train.csv", dtype={"image_id": str, "rad_id": str})
    table["image_id"] = table["image_id"].map(real_name)
    table.to_csv(out_dir / "train.csv", index=False)
    test_ids = []
    for split in ("train", "test"):
        (out_dir / split).mkdir()
        for path in sorted((phantom_dir / split).glob("*.dicom")):
            shutil.copyfile(path, out_dir / split / f"{real_name(path.stem)}.dicom")
            if split == "test":
                test_ids.append(real_name(path.stem))
    pd.DataFrame({"image_id": sorted(test_ids), "PredictionString": "14 1 0 0 1 1"}).to_csv(
        out_dir / "sample_submission.csv", index=False)
    return out_dir
