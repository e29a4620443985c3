"""2D segmentation data in the generic image/mask-folder layout, and PyTorch loaders for it.

Layout (the seg2d phantom writes it; many real 2D sets can be arranged the same way)::

    <data root>/<name>/
      train/images/<id>.png   train/masks/<id>.png
      val/images/<id>.png     val/masks/<id>.png      (optional: split off train when absent)
      test/images/<id>.png    [test/masks/<id>.png]   (masks optional: hidden test split)

Files are listed, matched and read by :mod:`common.io.folders`: ``.png``, ``.jpg``, ``.tif``,
``.bmp`` and single-slice ``.nii``/``.nii.gz``; a mask has the image's file stem. Images are read
as grey levels and scaled to [0, 1] (8-bit images divided by 255, others min-max scaled per
image); a mask pixel is foreground when it is non-zero. Images of different sizes are resized to
``size`` (masks with nearest neighbour).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from skimage.transform import resize
from torch.utils.data import DataLoader, Dataset

from ..answer_keys import read_answer_key
from ..errors import DataError
from ..io.folders import list_images, pair_files, read_image_2d
from ..io.rle import rle_decode
from ..loaders import make_loader
from ..paths import data_root, require_dir

__all__ = ["SegSplit", "SegData", "load_seg_split", "load_seg_data", "SegDataset",
           "seg_loader", "test_masks_from_key"]


@dataclass(frozen=True)
class SegSplit:
    """One split.

    Attributes:
        ids: image ids (file stems), sorted.
        images: (N, H, W) float32 in [0, 1].
        masks: (N, H, W) uint8 in {0, 1}, or ``None`` for a split without masks.
    """

    ids: list[str]
    images: np.ndarray
    masks: np.ndarray | None


@dataclass(frozen=True)
class SegData:
    """The train, validation and test splits of a dataset (test masks usually withheld)."""

    train: SegSplit
    val: SegSplit
    test: SegSplit
    root: Path


def _read(path: Path, size: int | None, is_mask: bool) -> np.ndarray:
    """One image as (H, W) float32 in [0, 1], or one mask as (H, W) uint8 in {0, 1}."""
    array = read_image_2d(path)
    if array.dtype == np.uint8 or is_mask:
        low, high = 0.0, 255.0
    else:  # 16-bit, 32-bit or float grey levels (e.g. NIfTI): min-max scaled per image
        low, high = float(array.min()), float(array.max())
        array = array.astype(np.float64)
    if size is not None and array.shape != (size, size):
        array = resize(array, (size, size), order=0 if is_mask else 1, preserve_range=True,
                       anti_aliasing=not is_mask)
    if is_mask:
        return (array > 0).astype(np.uint8)
    return ((array.astype(np.float32) - low) / max(high - low, 1e-12)).astype(np.float32)


def load_seg_split(folder: Path, size: int | None = None, require_masks: bool = True) -> SegSplit:
    """Read ``folder/images`` and, when present, ``folder/masks``.

    Args:
        folder: a split folder holding ``images/`` (and ``masks/``).
        size: resize every image to ``size x size``; ``None`` keeps sizes (they must agree).
        require_masks: raise when ``masks/`` is missing.

    Raises:
        DataError: missing folders, no images, an image without a mask, mixed sizes.
    """
    folder = Path(folder)
    image_dir = require_dir(folder / "images", f"the images of {folder.name}")
    mask_dir = folder / "masks"
    if mask_dir.is_dir():
        pairs = pair_files(image_dir, mask_dir)
    elif require_masks:
        raise DataError(f"{mask_dir} does not exist; the {folder.name} split needs a masks/ folder "
                        f"next to images/.")
    else:
        images = list_images(image_dir)
        if not images:
            raise DataError(f"{image_dir} holds no image files; put the .png (or .jpg, .tif, "
                            f".nii.gz) images there.")
        pairs = [(stem, images[stem], None) for stem in sorted(images)]
    ids = [stem for stem, _, _ in pairs]
    arrays = [_read(image, size, False) for _, image, _ in pairs]
    if len({a.shape for a in arrays}) > 1:
        raise DataError(f"The images in {image_dir} have different sizes; pass size=... to resize "
                        f"them to one size.")
    mask_arrays = None
    if mask_dir.is_dir():
        mask_arrays = np.stack([_read(mask, size, True) for _, _, mask in pairs])
    return SegSplit(ids, np.stack(arrays), mask_arrays)


def load_seg_data(name: str = "seg2d", root: Path | None = None, size: int | None = None,
                  val_fraction: float = 0.2, seed: int = 0) -> SegData:
    """Load ``<root>/<name>/{train,val,test}``.

    Args:
        name: the dataset folder under the data root.
        root: the data root (default :func:`common.paths.data_root`).
        size: optional common image size.
        val_fraction: share of ``train`` held out when there is no ``val`` folder.
        seed: the seed of that hold-out.
    """
    base = require_dir(Path(root or data_root()) / name, f"the {name} dataset", name)
    train = load_seg_split(base / "train", size)
    if (base / "val").is_dir():
        val = load_seg_split(base / "val", size)
    else:
        order = np.random.default_rng(seed).permutation(len(train.ids))
        n_val = max(1, int(round(val_fraction * len(order))))
        v, t = np.sort(order[:n_val]), np.sort(order[n_val:])
        val = SegSplit([train.ids[i] for i in v], train.images[v], train.masks[v])
        train = SegSplit([train.ids[i] for i in t], train.images[t], train.masks[t])
    test = load_seg_split(base / "test", size, require_masks=False)
    return SegData(train, val, test, base)


def test_masks_from_key(ids: list[str], shape: tuple[int, int], name: str = "seg2d",
                        root: Path | None = None) -> np.ndarray:
    """The hidden test masks, decoded from the answer key (for the reference run's evaluation).

    Returns:
        (N, H, W) uint8 masks in the order of ``ids``.
    """
    key = read_answer_key(name, "test_masks", root=root).fillna("")
    rle = dict(zip(key["ImageId"].astype(str), key["EncodedPixels"].astype(str)))
    missing = [i for i in ids if i not in rle]
    if missing:
        raise DataError(f"The answer key has no mask for {missing[0]}; rebuild the data with "
                        f"`dlmia data build {name}`.")
    return np.stack([rle_decode(rle[i], shape).astype(np.uint8) for i in ids])


class SegDataset(Dataset):
    """Pairs ``(image (1, H, W) float32, mask (1, H, W) int64)`` with optional random flips.

    Args:
        images: (N, H, W) float array in [0, 1].
        masks: (N, H, W) {0, 1} array; ``None`` gives all-zero targets (for prediction).
        augment: random horizontal/vertical flips and 90° rotations.
        seed: seed of the augmentation's generator.
    """

    def __init__(self, images: np.ndarray, masks: np.ndarray | None = None,
                 augment: bool = False, seed: int = 0):
        self.images = torch.as_tensor(np.asarray(images, np.float32)).unsqueeze(1)
        m = np.zeros(np.shape(images), np.int64) if masks is None else np.asarray(masks, np.int64)
        self.masks = torch.as_tensor(m).unsqueeze(1)
        self.augment = augment
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.images[i], self.masks[i]
        if self.augment:
            k = int(self.rng.integers(4))
            x, y = torch.rot90(x, k, (1, 2)), torch.rot90(y, k, (1, 2))
            if self.rng.random() < 0.5:
                x, y = x.flip(2), y.flip(2)
        return x.contiguous(), y.contiguous()


def seg_loader(images: np.ndarray, masks: np.ndarray | None = None, batch_size: int = 16,
               shuffle: bool = False, augment: bool = False, seed: int = 0) -> DataLoader:
    """A seeded ``DataLoader`` over :class:`SegDataset`, built by :func:`common.loaders.make_loader`.

    Args:
        images: (N, H, W) float array in [0, 1].
        masks: (N, H, W) {0, 1} array, or ``None`` (all-zero targets, for prediction).
        batch_size: images per batch.
        shuffle: reshuffle every epoch, in an order fixed by ``seed``.
        augment: random flips and 90° rotations (see :class:`SegDataset`).
        seed: seed of the shuffling and of the augmentation.

    Returns:
        A loader of ``(image (B, 1, H, W) float32, mask (B, 1, H, W) int64)`` batches.
    """
    return make_loader(SegDataset(images, masks, augment=augment, seed=seed),
                       batch_size=batch_size, shuffle=shuffle, seed=seed)
