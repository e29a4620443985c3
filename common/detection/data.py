"""Box tables (VinDr-CXR and RSNA layouts), a DICOM header index, and a detection dataset.

Files are read through :mod:`common.io`: the box tables with
:func:`~common.io.read_vindr_boxes` / :func:`~common.io.read_rsna_boxes`, the DICOM headers with
:func:`~common.io.read_dicom_header`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..errors import DataError
from ..io.dicom import DICOM_SUFFIXES, list_dicom_files, read_dicom_header
from ..io.tables import read_rsna_boxes, read_vindr_boxes

__all__ = ["read_vindr_table", "read_rsna_table", "dicom_index", "DetectionDataset",
           "collate_detection", "boxes_by_image", "LAYOUTS", "find_layout", "read_boxes",
           "class_set"]

def read_vindr_table(path: Path | str) -> pd.DataFrame:
    """Read a VinDr-CXR box CSV (one row per box, ``No finding`` rows with empty boxes).

    :func:`common.io.read_vindr_boxes`, with a hint for the cxr data when the file is missing.

    Raises:
        DataError: when the file is missing, lacks a VinDr column, or has a finding without a box.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"The box table {path} does not exist; build the data with "
                        f"`dlmia data build cxr` or point DLMIA_DATA at a VinDr-CXR download.")
    return read_vindr_boxes(path)


def read_rsna_table(path: Path | str, class_name: str = "Lung Opacity",
                    class_id: int = 7) -> pd.DataFrame:
    """Read an RSNA Pneumonia box CSV (``patientId, x, y, width, height, Target``) as VinDr rows.

    Rows with ``Target == 0`` become ``No finding`` rows with empty boxes.
    """
    raw = read_rsna_boxes(path)
    positive = raw["Target"] == 1
    return pd.DataFrame({
        "image_id": raw["patientId"],
        "class_name": np.where(positive, class_name, "No finding"),
        "class_id": np.where(positive, class_id, 14),
        "rad_id": "",
        "x_min": raw["x"], "y_min": raw["y"], "x_max": raw["x_max"], "y_max": raw["y_max"],
    })


def dicom_index(folder: Path | str, suffixes: Sequence[str] = DICOM_SUFFIXES) -> pd.DataFrame:
    """One row per DICOM file in ``folder``: image_id, path, patient_id, rows, columns, photometric.

    Only headers are read (:func:`common.io.read_dicom_header`), so this is fast on large sets.

    Args:
        folder: a folder of DICOM images (``<image_id>.dicom``).
        suffixes: the file endings to index (any case).

    Returns:
        The table, sorted by file name.

    Raises:
        DataError: when the folder holds no DICOM file or a file is not readable DICOM.
    """
    folder = Path(folder)
    files = list_dicom_files(folder, tuple(suffixes))
    if not files:
        raise DataError(f"No DICOM files ({', '.join(suffixes)}) in {folder}; build the data with "
                        f"`dlmia data build cxr`.")
    rows = []
    for p in files:
        ds = read_dicom_header(p)
        needed = ("PatientID", "Rows", "Columns", "PhotometricInterpretation")
        missing = [k for k in needed if ds.get(k) in (None, "")]
        if missing:
            raise DataError(f"The DICOM file {p} has no {', '.join(missing)}; it is not an image "
                            f"of this dataset: remove it from {folder} or export the images again.")
        rows.append({"image_id": p.stem, "path": str(p), "patient_id": str(ds.PatientID),
                     "rows": int(ds.Rows), "columns": int(ds.Columns),
                     "photometric": str(ds.PhotometricInterpretation)})
    return pd.DataFrame(rows)


def boxes_by_image(table: pd.DataFrame, image_ids: Sequence[str],
                   label_of: dict[int, int]) -> list[dict[str, np.ndarray]]:
    """Group a VinDr box table by image.

    Args:
        table: VinDr rows; rows without a box (``No finding``) are skipped.
        image_ids: the order of the output.
        label_of: VinDr ``class_id`` -> detector label (1..K; 0 is background).

    Returns:
        For each image ``{"boxes": (N, 4) float32 xyxy, "labels": (N,) int64}``.
    """
    boxed = table.dropna(subset=["x_min", "y_min", "x_max", "y_max"])
    boxed = boxed[boxed["class_id"].isin(list(label_of))]
    groups = {k: g for k, g in boxed.groupby("image_id")}
    out = []
    for image_id in image_ids:
        g = groups.get(image_id)
        if g is None:
            out.append({"boxes": np.zeros((0, 4), np.float32), "labels": np.zeros(0, np.int64)})
        else:
            out.append({"boxes": g[["x_min", "y_min", "x_max", "y_max"]].to_numpy(np.float32),
                        "labels": g["class_id"].map(label_of).to_numpy(np.int64)})
    return out


class DetectionDataset(Dataset):
    """Images and boxes for torchvision detectors.

    Args:
        images: (N, H, W) float array in [0, 1] (already standardised and resized).
        targets: per image ``{"boxes": (M, 4) xyxy, "labels": (M,)}``; None for unlabelled images.
        augment: random horizontal flips (boxes flipped with the image).
        seed: seed of the flip generator.

    Items are ``(image (3, H, W) float32, target dict of tensors)``.
    """

    def __init__(self, images: np.ndarray, targets: Sequence[dict] | None = None,
                 augment: bool = False, seed: int = 0) -> None:
        if images.ndim != 3:
            raise DataError(f"DetectionDataset needs images of shape (N, H, W), got {images.shape}.")
        self.images = images
        self.targets = targets
        self.augment = augment
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        image = torch.as_tensor(np.ascontiguousarray(self.images[i]), dtype=torch.float32)
        t = self.targets[i] if self.targets is not None else {"boxes": np.zeros((0, 4)),
                                                               "labels": np.zeros(0)}
        boxes = torch.tensor(np.array(t["boxes"], np.float32).reshape(-1, 4))
        labels = torch.tensor(np.array(t["labels"]), dtype=torch.int64)
        if self.augment and self.rng.random() < 0.5:
            w = image.shape[-1]
            image = image.flip(-1)
            boxes = torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], 1)
        return image.expand(3, -1, -1).contiguous(), {"boxes": boxes, "labels": labels}


def collate_detection(batch):
    """Collate ``(image, target)`` pairs into ``(list of images, list of targets)``."""
    images, targets = zip(*batch)
    return list(images), list(targets)


#: the box tables and image folders of the two layouts the lab reads, in the order they are tried.
LAYOUTS = {
    "vindr": {"table": "train.csv", "train": "train", "test": "test"},
    "rsna": {"table": "stage_2_train_labels.csv", "train": "stage_2_train_images",
             "test": "stage_2_test_images"},
}


def find_layout(folder: Path | str) -> dict:
    """Which chest-radiograph layout a dataset folder holds, and where its parts are.

    VinDr-CXR (``train.csv``, ``train/<image_id>.dicom``, ``test/``) or RSNA Pneumonia
    (``stage_2_train_labels.csv``, ``stage_2_train_images/<patientId>.dcm``,
    ``stage_2_test_images/``); the test folder is optional.

    Returns:
        ``{"kind": "vindr" | "rsna", "table": Path, "train": Path, "test": Path | None}``.

    Raises:
        DataError: when the folder holds neither layout.
    """
    folder = Path(folder)
    for kind, parts in LAYOUTS.items():
        table, train = folder / parts["table"], folder / parts["train"]
        if table.is_file() and train.is_dir():
            test = folder / parts["test"]
            return {"kind": kind, "table": table, "train": train,
                    "test": test if test.is_dir() else None}
    raise DataError(f"{folder} holds neither the VinDr-CXR layout (train.csv and train/) nor the "
                    f"RSNA Pneumonia layout (stage_2_train_labels.csv and stage_2_train_images/); "
                    f"see datasets/cxr.md.")


def read_boxes(layout: dict) -> pd.DataFrame:
    """The layout's box table as VinDr rows (:func:`read_vindr_table` or :func:`read_rsna_table`)."""
    if layout["kind"] == "rsna":
        return read_rsna_table(layout["table"])
    return read_vindr_table(layout["table"])


def class_set(table: pd.DataFrame, no_finding_id: int = 14) -> dict[str, int]:
    """The finding classes a box table uses: ``{class_name: class_id}``, sorted by id, without
    ``No finding``."""
    boxed = table.dropna(subset=["x_min"])
    boxed = boxed[boxed["class_id"] != no_finding_id]
    pairs = boxed.drop_duplicates("class_id").sort_values("class_id")
    return dict(zip(pairs["class_name"].astype(str), pairs["class_id"].astype(int)))
