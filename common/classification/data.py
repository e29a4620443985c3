"""Load the per-patient CT volumes and their clinical table; make tensors and loaders.

Every file goes through :mod:`common.io`: ``patients.csv`` through
:func:`~common.io.read_patients_csv`, a patient's volume through :func:`~common.io.read_volume`
(NIfTI read with nibabel, fast on these small gzipped files) or, for a folder holding one DICOM
series, :func:`~common.io.read_dicom_series`; a MedMNIST 3D archive through
:func:`~common.io.read_medmnist_npz`.

Example:
    >>> data = load_ct_volumes()                   # <data root>/ct_volumes
    >>> rows, volumes = data.split("train")        # volumes (N, D, H, W) float32 in [0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from .. import loaders
from ..errors import DataError
from ..io.dicom import read_dicom_series
from ..io.npz import read_medmnist_npz
from ..io.tables import PATIENT_COLUMNS, read_patients_csv
from ..io.volumes import VOLUME_SUFFIXES, read_volume
from ..paths import data_root, require_dir

__all__ = ["CTVolumes", "load_ct_volumes", "load_medmnist_volumes", "load_volume",
           "resize_slices", "make_loader", "PATIENT_COLUMNS", "HU_WINDOW"]

#: soft-tissue window (HU) mapped to [0, 1].
HU_WINDOW = (-160.0, 240.0)


@dataclass
class CTVolumes:
    """Every patient's volume and clinical row.

    Attributes:
        patients: ``patient_id, age, sex, label, split`` (``label`` is -1 where unknown; ``age``
            NaN and ``sex`` None where the source has no clinical data, see ``has_metadata``).
        volumes: (N, D, H, W) float32 in [0, 1] (CT: the soft-tissue window ``HU_WINDOW``;
            MedMNIST: the stored 0..255 / 255), rows as in ``patients``.
    """

    patients: pd.DataFrame
    volumes: np.ndarray

    @property
    def has_metadata(self) -> bool:
        """Whether every patient has an age and a sex (False for MedMNIST archives)."""
        return bool(self.patients[["age", "sex"]].notna().all(axis=None))

    def is_labelled(self, name: str) -> bool:
        """Whether split ``name`` has patients and every one of them has a label."""
        labels = self.patients.loc[self.patients["split"] == name, "label"]
        return len(labels) > 0 and bool((labels >= 0).all())

    def evaluation_split(self) -> str:
        """The split a lab reports its metrics on: ``"test"`` when its labels are in the table
        (a real collection with a labelled test split, MedMNIST), else ``"val"`` (the phantom,
        whose test labels are hidden in an answer key that only scores submissions)."""
        return "test" if self.is_labelled("test") else "val"

    def split(self, name: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Rows and volumes of one split (``"train"``, ``"val"`` or ``"test"``)."""
        mask = (self.patients["split"] == name).to_numpy()
        return self.patients[mask].reset_index(drop=True), self.volumes[mask]


def load_volume(path: Path, window: tuple[float, float] = HU_WINDOW) -> np.ndarray:
    """Read one CT in HU as (D, H, W) float32, windowed to [0, 1].

    Args:
        path: a volume file (``.nii.gz``, ``.nii``, ``.mha``) read by
            :func:`common.io.read_volume`, or a folder holding one DICOM series, read by
            :func:`common.io.read_dicom_series` (slices sorted by position, rescaled to HU).
        window: the HU values mapped to 0 and 1 (values outside are clipped).

    Returns:
        (D, H, W) float32 in [0, 1].

    Raises:
        DataError: the file or series cannot be read or is not one 3-D volume.
    """
    path = Path(path)
    if path.is_dir():
        data, _ = read_dicom_series(path)
    else:
        data, _ = read_volume(path, ndim=3)
    low, high = window
    return np.clip((data.astype(np.float32) - low) / (high - low), 0.0, 1.0)


def _patient_volume(folder: Path, pid: str) -> Path:
    """``<pid>.nii.gz`` (or another volume ending) in ``folder``, else the series folder ``<pid>``."""
    for suffix in sorted(VOLUME_SUFFIXES, key=lambda s: s != ".nii.gz"):  # the usual one first
        path = folder / f"{pid}{suffix}"
        if path.is_file():
            return path
    if (folder / pid).is_dir():
        return folder / pid
    raise DataError(f"The volume of patient {pid} ({folder / pid}.nii.gz, or a DICOM series in "
                    f"{folder / pid}/) is missing; rebuild the data or remove the patient from "
                    f"patients.csv.")


def load_ct_volumes(root: Path | None = None) -> CTVolumes:
    """Read ``<root>/patients.csv`` and every patient's volume in ``<root>/volumes/``.

    A patient's volume is ``volumes/<patient_id>.nii.gz`` (or ``.nii``, ``.mha``), or a folder
    ``volumes/<patient_id>/`` holding one DICOM series; see :func:`load_volume`.

    Args:
        root: the dataset folder (default ``<data root>/ct_volumes``).

    Returns:
        The clinical table and the (N, D, H, W) volumes, in the table's row order.

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
    volumes = [load_volume(_patient_volume(root / "volumes", pid))
               for pid in patients["patient_id"]]
    shapes = {v.shape for v in volumes}
    if len(shapes) != 1:
        raise DataError(f"The volumes have different shapes {sorted(shapes)}; resample them to "
                        f"one (D, H, W) first.")
    return CTVolumes(patients=patients, volumes=np.stack(volumes))


def load_medmnist_volumes(path: str | Path) -> CTVolumes:
    """Read a MedMNIST 3D archive (e.g. NoduleMNIST3D's ``nodulemnist3d.npz``) as :class:`CTVolumes`.

    The splits ``train``, ``val`` and ``test`` become the rows of one table, in that order.
    MedMNIST has no patient ids and no clinical data, so ``patient_id`` is ``<split>_<index>``
    (``train_00000``), ``age`` is NaN and ``sex`` None (``has_metadata`` is False: a model that
    uses age and sex cannot be trained on this source). Test labels are published with MedMNIST
    and are kept in ``label``. The images are already scaled to 0..255 (no HU), so a volume is
    the stored uint8 divided by 255; no window is applied.

    Args:
        path: the ``.npz`` file (keys ``<split>_images`` (N, D, H, W) uint8 and
            ``<split>_labels`` (N, 1)).

    Returns:
        The table ``patient_id, age, sex, label, split`` and (N, D, H, W) float32 volumes in
        [0, 1].

    Raises:
        DataError: the file or a key is missing, the images are not 3-D uint8 volumes, or an
            image has more than one label (a multi-label set).
    """
    path = Path(path)
    rows, volumes = [], []
    for split, (images, labels) in read_medmnist_npz(path).items():
        if images.ndim != 4 or images.dtype != np.uint8:
            raise DataError(f"{path.name} holds {split} images of shape {images.shape} and type "
                            f"{images.dtype}; a MedMNIST 3D archive holds (N, D, H, W) uint8 "
                            f"volumes.")
        if labels.shape[1] != 1:
            raise DataError(f"{path.name} has {labels.shape[1]} labels per image; "
                            f"load_medmnist_volumes needs one label per volume (a single-label "
                            f"set such as NoduleMNIST3D).")
        rows += [{"patient_id": f"{split}_{i:05d}", "age": np.nan, "sex": None,
                  "label": int(label), "split": split} for i, label in enumerate(labels[:, 0])]
        volumes.append(images.astype(np.float32) / 255.0)
    patients = pd.DataFrame(rows, columns=list(PATIENT_COLUMNS))
    patients["age"] = patients["age"].astype(float)
    patients["sex"] = patients["sex"].astype(object)
    return CTVolumes(patients=patients, volumes=np.concatenate(volumes))


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

    Built by :func:`common.loaders.make_loader` (single process, shuffling fixed by ``seed``).

    Args:
        *tensors: inputs of the model, each with N rows (``(N, C, H, W)`` images, ``(N, 2)`` meta).
        labels: (N,) integer labels (unused when ``dataset`` is given).
        batch_size: samples per batch.
        shuffle: reshuffle every epoch, in an order fixed by ``seed``.
        seed: seed of the shuffling generator.
        dataset: a ready dataset to load instead of ``tensors`` and ``labels``.

    Returns:
        A ``DataLoader`` of ``((t1, ..., tk), labels)`` batches (float32 inputs, int64 labels).
    """
    if dataset is None:
        tensors = [torch.as_tensor(t, dtype=torch.float32) for t in tensors]
        dataset = _InputsDataset(tensors, torch.tensor(np.array(labels), dtype=torch.long))
    return loaders.make_loader(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed)


class _InputsDataset(Dataset):
    def __init__(self, inputs: list[torch.Tensor], labels: torch.Tensor):
        self.inputs, self.labels = inputs, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        return tuple(t[i] for t in self.inputs), self.labels[i]
