"""2D segmentation data in the generic image/mask-folder layout, and PyTorch loaders for it.

Two layouts are read (the seg2d phantom writes the first; a Kvasir-SEG download is the second)::

    <data root>/<name>/                           <data root>/<name>/
      train/images/<id>.png   train/masks/...       images/<id>.jpg
      val/images/<id>.png     val/masks/...         masks/<id>.jpg
      test/images/<id>.png    [test/masks/...]

``val`` is optional (split off ``train`` when absent), ``test`` is optional, and its masks too
(a hidden test split); a flat ``images/`` + ``masks/`` folder is one labelled pool that is split
into train and validation with a fixed seed. Files are listed and read by
:mod:`common.io.folders`: ``.png``, ``.jpg``, ``.tif``, ``.bmp`` and single-slice
``.nii``/``.nii.gz``. A mask has the image's file stem, or that stem with a suffix
``_segmentation``, ``_mask`` or ``_seg`` (ISIC's ``ISIC_0000000_segmentation.png``). Images are
read as grey levels and scaled to [0, 1] (8-bit images divided by 255, others min-max scaled per
image). A mask pixel is foreground when it is non-zero; in an 8-bit mask whose maximum is above
127 (the 0/255 convention, JPEG masks with compression noise included) when it is at least 128.
Images of different sizes are resized to ``size`` (masks with nearest neighbour); each image's
original size is kept, so that predictions can be written back at that size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from skimage.transform import resize
from torch.utils.data import DataLoader, Dataset

from ..answer_keys import key_masks, read_mask_key
from ..errors import DataError
from ..io.folders import list_images, read_image_2d
from ..loaders import make_loader
from ..paths import data_root, require_dir

__all__ = ["SegSplit", "SegData", "LabelledSplits", "load_seg_split", "load_seg_data",
           "labelled_splits", "to_original_size", "SegDataset", "seg_loader", "test_masks_from_key",
           "MASK_SUFFIXES"]

#: endings of a mask's file stem after its image's stem (``ISIC_0000000_segmentation.png``).
MASK_SUFFIXES = ("_segmentation", "_mask", "_seg")


@dataclass(frozen=True)
class SegSplit:
    """One split.

    Attributes:
        ids: image ids (file stems), sorted.
        images: (N, H, W) float32 in [0, 1].
        masks: (N, H, W) uint8 in {0, 1}, or ``None`` for a split without masks.
        sizes: each image's (height, width) in its file, before any resizing.
    """

    ids: list[str]
    images: np.ndarray
    masks: np.ndarray | None
    sizes: list[tuple[int, int]] | None = None

    def subset(self, rows: np.ndarray) -> "SegSplit":
        """The split restricted to ``rows`` (indices)."""
        return SegSplit([self.ids[i] for i in rows], self.images[rows],
                        None if self.masks is None else self.masks[rows],
                        None if self.sizes is None else [self.sizes[i] for i in rows])


@dataclass(frozen=True)
class SegData:
    """The train, validation and test splits of a dataset (test masks usually withheld; ``test``
    is ``None`` when the folder has no test images)."""

    train: SegSplit
    val: SegSplit
    test: SegSplit | None
    root: Path


@dataclass(frozen=True)
class LabelledSplits:
    """What a lab trains on, picks its best epoch on, and reports its scores on.

    Attributes:
        train: the images the networks learn from.
        monitor: the labelled images that pick the best epoch.
        evaluate: the labelled images the reported scores come from (never seen in training or
            in picking the epoch).
        evaluate_name: ``"test"`` or ``"val"``.
        note: one sentence saying which is which.
    """

    train: SegSplit
    monitor: SegSplit
    evaluate: SegSplit
    evaluate_name: str
    note: str


def _read(path: Path, is_mask: bool) -> np.ndarray:
    """One image as (H, W) float32 in [0, 1], or one mask as (H, W) uint8 in {0, 1}."""
    array = read_image_2d(path)
    if is_mask:
        cut = 127 if array.dtype == np.uint8 and array.max() > 127 else 0
        return (array > cut).astype(np.uint8)
    if array.dtype == np.uint8:
        low, high = 0.0, 255.0
    else:  # 16-bit, 32-bit or float grey levels (e.g. NIfTI): min-max scaled per image
        low, high = float(array.min()), float(array.max())
    return ((array.astype(np.float64) - low) / max(high - low, 1e-12)).astype(np.float32)


def _resize(array: np.ndarray, size: int | None, is_mask: bool) -> np.ndarray:
    """``array`` at ``size x size`` (masks nearest neighbour, images linear, anti-aliased)."""
    if size is None or array.shape == (size, size):
        return array
    out = resize(array, (size, size), order=0 if is_mask else 1, preserve_range=True,
                 anti_aliasing=not is_mask)
    return out.astype(array.dtype)


def _pairs(image_dir: Path, mask_dir: Path) -> list[tuple[str, Path, Path]]:
    """Images matched to masks by stem, a mask stem possibly ending in one of MASK_SUFFIXES."""
    images, masks = list_images(image_dir), list_images(mask_dir)
    if not images:
        raise DataError(f"{image_dir} holds no image files; put the .png (or .jpg, .tif, "
                        f".nii.gz) images there.")
    by_image: dict[str, Path] = {}
    for stem, path in masks.items():
        base = next((stem[: -len(s)] for s in MASK_SUFFIXES
                     if stem.endswith(s) and stem[: -len(s)] in images and stem not in images),
                    stem)
        if base in by_image:
            raise DataError(f"{by_image[base].name} and {path.name} in {mask_dir} are both masks "
                            f"of {base}; keep one mask per image.")
        by_image[base] = path
    missing = sorted(set(images) - set(by_image))
    if missing:
        raise DataError(f"{len(missing)} image(s) in {image_dir} have no mask in {mask_dir}, e.g. "
                        f"{missing[0]}; give each mask its image's file name (a suffix "
                        f"{', '.join(MASK_SUFFIXES)} is accepted).")
    return [(s, images[s], by_image[s]) for s in sorted(images)]


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
        pairs = _pairs(image_dir, mask_dir)
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
    raw = [_read(image, False) for _, image, _ in pairs]
    sizes = [tuple(int(n) for n in a.shape) for a in raw]
    if size is None and len(set(sizes)) > 1:
        raise DataError(f"The images in {image_dir} have different sizes; pass size=... to resize "
                        f"them to one size.")
    arrays = [_resize(a, size, False) for a in raw]
    mask_arrays = None
    if mask_dir.is_dir():
        masks = [_read(mask, True) for _, _, mask in pairs]
        wrong = next((p[2].name for p, m, s in zip(pairs, masks, sizes) if m.shape != s), None)
        if wrong is not None:
            raise DataError(f"The mask {wrong} in {mask_dir} is not the size of its image; a mask "
                            f"must have its image's height and width.")
        mask_arrays = np.stack([_resize(m, size, True) for m in masks])
    return SegSplit(ids, np.stack(arrays), mask_arrays, sizes)


def load_seg_data(name: str = "seg2d", root: Path | None = None, size: int | None = None,
                  val_fraction: float = 0.2, seed: int = 0) -> SegData:
    """Load ``<root>/<name>/{train,val,test}``, or a flat ``<root>/<name>/{images,masks}``.

    Nothing in the folder is written or changed.

    Args:
        name: the dataset folder under the data root.
        root: the data root (default :func:`common.paths.data_root`).
        size: optional common image size (every image and mask resized to ``size x size``).
        val_fraction: share of ``train`` (or of the flat pool) held out when there is no ``val``
            folder.
        seed: the seed of that hold-out.

    Raises:
        DataError: neither layout is there, or a split is unreadable (see
            :func:`load_seg_split`).
    """
    base = require_dir(Path(root or data_root()) / name, f"the {name} dataset", name)
    if (base / "train").is_dir():
        train = load_seg_split(base / "train", size)
    elif (base / "images").is_dir():
        train = load_seg_split(base, size)
    else:
        raise DataError(f"{base} holds neither train/images and train/masks nor images/ and "
                        f"masks/; see datasets/{name}.md for the layouts the course reads.")
    if (base / "val").is_dir():
        val = load_seg_split(base / "val", size)
    else:
        train, val = _hold_out(train, val_fraction, seed)
    test = None
    if (base / "test" / "images").is_dir():
        test = load_seg_split(base / "test", size, require_masks=False)
    return SegData(train, val, test, base)


def _hold_out(split: SegSplit, fraction: float, seed: int) -> tuple[SegSplit, SegSplit]:
    """(rest, held out): ``fraction`` of ``split`` drawn with ``seed``, each part in id order."""
    if len(split.ids) < 2:
        raise DataError(f"{len(split.ids)} labelled image(s) cannot be split into training and "
                        f"held-out images; add labelled images.")
    order = np.random.default_rng(seed).permutation(len(split.ids))
    n_out = min(len(order) - 1, max(1, int(round(fraction * len(order)))))
    return split.subset(np.sort(order[n_out:])), split.subset(np.sort(order[:n_out]))


def labelled_splits(data: SegData, monitor_fraction: float = 0.15, seed: int = 0) -> LabelledSplits:
    """Which labelled images train, pick the best epoch, and give the reported scores.

    A test split with masks is the evaluation split, and ``val`` picks the epoch. Without test
    masks (a hidden test split, or no test folder), ``val`` is the evaluation split and
    ``monitor_fraction`` of ``train`` (drawn with ``seed``) picks the epoch, so that the reported
    scores come from images that chose nothing.

    Args:
        data: what :func:`load_seg_data` read.
        monitor_fraction: share of ``train`` held out to pick the epoch when ``val`` is needed
            for evaluation.
        seed: the seed of that hold-out.
    """
    if data.test is not None and data.test.masks is not None:
        return LabelledSplits(data.train, data.val, data.test, "test",
                              f"scores on the {len(data.test.ids)} labelled test images; the "
                              f"{len(data.val.ids)} validation images pick the best epoch")
    train, monitor = _hold_out(data.train, monitor_fraction, seed)
    why = ("the test images have no masks" if data.test is not None
           else "the folder has no test images")
    return LabelledSplits(train, monitor, data.val, "val",
                          f"{why}: scores on the {len(data.val.ids)} validation images; "
                          f"{len(monitor.ids)} training images held out pick the best epoch, "
                          f"{len(train.ids)} train")


def to_original_size(masks: np.ndarray, split: SegSplit) -> list[np.ndarray]:
    """Predicted (N, H, W) masks resized (nearest neighbour) back to each image's size in its file.

    Returns:
        One boolean (height, width) array per image.
    """
    sizes = split.sizes or [tuple(m.shape) for m in masks]
    return [np.asarray(m, bool) if tuple(m.shape) == tuple(s) else
            resize(np.asarray(m, np.uint8), s, order=0, preserve_range=True,
                   anti_aliasing=False) > 0
            for m, s in zip(masks, sizes)]


def test_masks_from_key(ids: list[str], shape: tuple[int, int], name: str = "seg2d",
                        root: Path | None = None) -> np.ndarray:
    """The hidden test masks, read from the answer key (for the instructor's checks; a lab
    reports its scores on labelled images it has, see :func:`labelled_splits`).

    Returns:
        (N, H, W) uint8 masks in the order of ``ids``.

    Raises:
        DataError: the key is missing, of an older build, lacks one of ``ids``, or holds a mask
            of another shape than ``shape``.
    """
    masks = key_masks(read_mask_key(name, "test_masks", root=root))
    missing = [i for i in ids if i not in masks]
    if missing:
        raise DataError(f"The answer key has no mask for {missing[0]}; rebuild the data with "
                        f"`dlmia data build {name}`.")
    other = next((i for i in ids if masks[i].shape != tuple(shape)), None)
    if other is not None:
        raise DataError(f"The answer key's mask of {other} is {masks[other].shape[0]}x"
                        f"{masks[other].shape[1]}, not {shape[0]}x{shape[1]}; ask for masks at "
                        f"the key's size.")
    return np.stack([masks[i].astype(np.uint8) for i in ids])


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
