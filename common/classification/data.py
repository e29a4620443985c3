"""Load the per-patient CT volumes and their clinical table; make tensors and loaders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

from ..errors import DataError
from ..io.tables import PATIENT_COLUMNS, read_patients_csv
from ..paths import data_root, require_dir
from ..seed import seeded_generator

__all__ = ["CTVolumes", "load_ct_volumes", "load_volume", "resize_slices", "make_loader",
           "PATIENT_COLUMNS", "HU_WINDOW"]

#: soft-tissue window (HU) mapped to [0, 1].
HU_WINDOW = (-160.0, 240.0)


@dataclass
class CTVolumes:
    """Every patient's volume and clinical row.

    Attributes:
        patients: ``patient_id, age, sex, label, split`` (``label`` is -1 where unknown).
        volumes: (N, D, H, W) float32 in [0, 1] (soft-tissue window), rows as in ``patients``.
    """

    patients: pd.DataFrame
    volumes: np.ndarray

    def split(self, name: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows and volumes of one split (``"train"``, ``"val"`` or ``"test"``)."""
        mask = (self.patients["split"] == name).to_numpy()
        return self.patients[mask].reset_index(drop=True), self.volumes[mask]


def load_volume(path: Path, window: tuple[float, float] = HU_WINDOW) -> np.ndarray:
    """Read a NIfTI volume as (D, H, W) float32, windowed to [0, 1].

    Raises:
        DataError: the file cannot be read as NIfTI.
    """
    try:  # nibabel, not common.io.read_volume: 3-4x faster on these small gzipped volumes
        data = np.asarray(nib.load(str(path)).dataobj, dtype=np.float32)
    except Exception as exc:  # nibabel raises several kinds
        raise DataError(f"{path} could not be read as NIfTI ({type(exc).__name__}); "
                        f"rebuild the data with `dlmia data build ct_volumes`.") from None
    if data.ndim != 3:
        raise DataError(f"{path} holds a {data.ndim}-D image; expected one 3-D volume.")
    low, high = window
    return np.clip((data.transpose(2, 1, 0) - low) / (high - low), 0.0, 1.0)


def load_ct_volumes(root: Path | None = None) -> CTVolumes:
    """Read ``<root>/patients.csv`` and every ``volumes/<patient_id>.nii.gz``.

    Args:
        root: the dataset folder (default ``<data root>/ct_volumes``).

    Raises:
        DataError: the folder, a column or a volume is missing, or volumes differ in shape.
    """
    root = require_dir(Path(root) if root else data_root() / "ct_volumes",
                       "the ct_volumes data", build_hint="ct_volumes")
    table = root / "patients.csv"
    if not table.is_file():
        raise DataError(f"{table} is missing; rebuild with `dlmia data build ct_volumes`.")
    patients = read_patients_csv(table)
    patients["label"] = pd.to_numeric(patients["label"], errors="coerce").fillna(-1).astype(int)
    volumes = []
    for pid in patients["patient_id"]:
        path = root / "volumes" / f"{pid}.nii.gz"
        if not path.is_file():
            raise DataError(f"The volume of patient {pid} ({path}) is missing; rebuild the data "
                            f"or remove the patient from patients.csv.")
        volumes.append(load_volume(path))
    shapes = {v.shape for v in volumes}
    if len(shapes) != 1:
        raise DataError(f"The volumes have different shapes {sorted(shapes)}; resample them to "
                        f"one (D, H, W) first.")
    return CTVolumes(patients=patients, volumes=np.stack(volumes))


def resize_slices(images: torch.Tensor | np.ndarray, size: int) -> torch.Tensor:
    """Resize a stack of images ``(N, C, H, W)`` to ``(N, C, size, size)`` (bilinear, antialiased)."""
    images = torch.as_tensor(images, dtype=torch.float32)
    if images.ndim != 4:
        raise DataError(f"resize_slices expects (N, C, H, W), got shape {tuple(images.shape)}.")
    if images.shape[-2:] == (size, size):
        return images
    return F.interpolate(images, size=(size, size), mode="bilinear", antialias=True,
                         align_corners=False)


def make_loader(*tensors, labels, batch_size: int = 32, shuffle: bool = False, seed: int = 0,
                dataset: Dataset | None = None) -> DataLoader:
    """A loader of ``((t1, t2, ...), label)`` batches (or of ``dataset`` when given).

    Args:
        *tensors: inputs of the model, each with N rows (``(N, C, H, W)`` images, ``(N, 2)`` meta).
        labels: (N,) integer labels.
        batch_size, shuffle, seed: as for :class:`torch.utils.data.DataLoader`; the seed fixes the
            shuffling order.
    """
    if dataset is None:
        tensors = [torch.as_tensor(t, dtype=torch.float32) for t in tensors]
        dataset = _InputsDataset(tensors, torch.tensor(np.array(labels), dtype=torch.long))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                      generator=seeded_generator(seed) if shuffle else None)


class _InputsDataset(Dataset):
    def __init__(self, inputs: list[torch.Tensor], labels: torch.Tensor):
        self.inputs, self.labels = inputs, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return tuple(t[i] for t in self.inputs), self.labels[i]


TensorDataset = TensorDataset  # re-exported for notebooks that build their own datasets
