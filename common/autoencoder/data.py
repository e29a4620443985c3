"""The spine MR dataset as lab06 reads it: volumes, masks, per-disc table, training truth.

Layout (the SPIDER layout; see ``datasets/spine_mr.md``): ``images/<id>_t2.mha``,
``masks/<id>_t2.mha``, ``annotations.xlsx`` and, for the phantom only, ``ground_truth.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from skimage.measure import label as connected_components

from ..errors import DataError
from ..io import read_annotations_xlsx, read_label_mask, read_volume

__all__ = ["SpineCase", "SpineData", "load_spine_mr", "disc_slices", "label_predicted_discs",
           "DISC_RANGE", "VERTEBRA_RANGE"]

#: SPIDER's disc labels (201 = L5/S1 upwards) and vertebra labels (1 = L5 upwards).
DISC_RANGE = (201, 225)
VERTEBRA_RANGE = (1, 25)


@dataclass
class SpineCase:
    """One patient's sagittal volume.

    Attributes:
        patient_id: the ``<id>`` of the file names.
        image: (D, H, W) float32 intensities as stored.
        mask: (D, H, W) int32 SPIDER labels.
        spacing: (D, H, W) voxel size in mm.
    """

    patient_id: str
    image: np.ndarray
    mask: np.ndarray
    spacing: tuple[float, float, float]


@dataclass
class SpineData:
    """Every case, the per-disc table and (phantom only) the training discs' true geometry.

    Attributes:
        cases: patient id -> :class:`SpineCase`.
        discs: ``annotations.xlsx`` restricted to discs present in their mask, one row per disc.
        truth: ``ground_truth.csv`` (training discs only), or ``None`` for a real dataset.
    """

    cases: dict[str, SpineCase]
    discs: pd.DataFrame
    truth: pd.DataFrame | None


def load_spine_mr(folder: str | Path, sequence: str = "t2") -> SpineData:
    """Read ``images/``, ``masks/``, ``annotations.xlsx`` (and ``ground_truth.csv``) of ``folder``.

    Args:
        folder: the dataset folder, e.g. ``ensure_dataset("spine_mr")``.
        sequence: the series suffix of the file names (``<id>_<sequence>.mha``).

    Returns:
        The dataset; discs listed in the table but absent from their mask are left out (with a
        printed count), as are patients with no image.

    Raises:
        DataError: when the folder, a file, or a column is missing, or an image and its mask
            differ in shape.
    """
    folder = Path(folder)
    if not (folder / "annotations.xlsx").is_file():
        raise DataError(f"{folder} holds no annotations.xlsx; point the lab at a spine_mr folder "
                        f"(see datasets/spine_mr.md) or run `dlmia data build spine_mr`.")
    table = read_annotations_xlsx(folder / "annotations.xlsx")
    cases: dict[str, SpineCase] = {}
    for pid in dict.fromkeys(table["patient_id"]):
        image_path = folder / "images" / f"{pid}_{sequence}.mha"
        if not image_path.is_file():
            continue
        image, meta = read_volume(image_path)
        mask, _ = read_label_mask(folder / "masks" / f"{pid}_{sequence}.mha")
        if image.shape != mask.shape:
            raise DataError(f"The image and mask of patient {pid} differ in shape ({image.shape} "
                            f"vs {mask.shape}); use the mask drawn on this image.")
        cases[pid] = SpineCase(pid, image.astype(np.float32), mask.astype(np.int32),
                               tuple(float(s) for s in meta["spacing"]))
    if not cases:
        raise DataError(f"None of the patients of {folder / 'annotations.xlsx'} has an image "
                        f"images/<id>_{sequence}.mha; check the file names.")
    present = [pid in cases and bool((cases[pid].mask == lab).any())
               for pid, lab in zip(table["patient_id"], table["disc_label"])]
    dropped = len(table) - int(np.sum(present))
    if dropped:
        print(f"{dropped} disc(s) of the table have no image or no voxel in their mask; left out")
    discs = table[np.asarray(present)].reset_index(drop=True)
    truth_path = folder / "ground_truth.csv"
    truth = pd.read_csv(truth_path, dtype={"patient_id": str}) if truth_path.is_file() else None
    return SpineData(cases, discs, truth)


def _normalise(volume: np.ndarray) -> np.ndarray:
    """Scale a volume to [0, 1] between its 1st and 99.5th percentiles."""
    lo, hi = np.percentile(volume, [1.0, 99.5])
    return np.clip((volume - lo) / max(hi - lo, 1e-6), 0.0, 1.0).astype(np.float32)


def disc_slices(data: SpineData, patient_ids, per_case: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The central sagittal slices of some patients, with their binary disc masks.

    Args:
        data: the dataset.
        patient_ids: which patients.
        per_case: how many slices around each volume's middle (all when larger than D).

    Returns:
        ``(images, masks)``: (N, H, W) float32 in [0, 1] (percentile-scaled per volume) and
        (N, H, W) uint8 (1 on any disc label 201–225).

    Raises:
        DataError: when the slices of the chosen patients differ in size.
    """
    images, masks = [], []
    for pid in patient_ids:
        case = data.cases[pid]
        d = case.image.shape[0]
        first = max(0, d // 2 - per_case // 2)
        chosen = range(first, min(d, first + per_case))
        volume = _normalise(case.image)
        discs = (case.mask >= DISC_RANGE[0]) & (case.mask <= DISC_RANGE[1])
        images += [volume[z] for z in chosen]
        masks += [discs[z].astype(np.uint8) for z in chosen]
    shapes = {im.shape for im in images}
    if len(shapes) > 1:
        raise DataError(f"The sagittal slices have different sizes {sorted(shapes)}; resample the "
                        f"volumes to one grid first (see datasets/spine_mr.md).")
    return np.stack(images), np.stack(masks)


def label_predicted_discs(pred: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Name the connected components of a binary disc prediction with the given mask's levels.

    Each component gets the disc label it overlaps most in ``given``; components that touch no
    disc are dropped. (The level names come from the given mask; a pipeline without one would
    count the discs upwards from the sacrum.)

    Args:
        pred: (H, W) binary prediction. given: (H, W) SPIDER label mask of the same slice.

    Returns:
        (H, W) int32 mask holding disc labels.
    """
    pred = np.asarray(pred).astype(bool)
    given = np.asarray(given)
    if pred.shape != given.shape:
        raise DataError(f"The prediction {pred.shape} and the mask {given.shape} differ in shape.")
    components = connected_components(pred, connectivity=1)
    out = np.zeros(pred.shape, np.int32)
    is_disc = (given >= DISC_RANGE[0]) & (given <= DISC_RANGE[1])
    for k in range(1, components.max() + 1):
        region = components == k
        labels, counts = np.unique(given[region & is_disc], return_counts=True)
        if len(labels):
            out[region] = labels[np.argmax(counts)]
    return out
