"""Image/mask folder pairs for 2D segmentation: ``images/<stem>.png`` beside ``masks/<stem>.png``.

Files are matched by stem; PNG (and other formats scikit-image reads) and NIfTI are accepted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skimage import io as skio

from ..errors import DataError
from .volumes import read_volume

__all__ = ["IMAGE_SUFFIXES", "file_stem", "list_images", "pair_files", "read_image_2d", "read_folder_pair"]

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".nii", ".nii.gz")


def file_stem(path: Path) -> str:
    """The name without its (possibly double, ``.nii.gz``) ending."""
    name = path.name
    return name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else path.stem


def list_images(folder: str | Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> dict[str, Path]:
    """``{file stem: path}`` of the files in ``folder`` whose names end in one of ``suffixes``."""
    return {file_stem(p): p for p in sorted(Path(folder).iterdir())
            if p.is_file() and p.name.lower().endswith(suffixes)}


def pair_files(image_dir: str | Path, mask_dir: str | Path) -> list[tuple[str, Path, Path]]:
    """Match images to masks by file stem.

    Returns:
        ``[(stem, image_path, mask_path), ...]`` sorted by stem.

    Raises:
        DataError: when a folder is missing or empty, or an image has no mask (or vice versa).
    """
    image_dir, mask_dir = Path(image_dir), Path(mask_dir)
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise DataError(f"The folder {folder} does not exist; point the loader at an images/ "
                            f"and a masks/ folder.")
    images, masks = list_images(image_dir), list_images(mask_dir)
    if not images:
        raise DataError(f"The folder {image_dir} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
    unmatched = sorted(set(images) ^ set(masks))
    if unmatched:
        raise DataError(f"{len(unmatched)} file(s) have no partner, e.g. {unmatched[0]!r}; every "
                        f"image needs a mask with the same file stem.")
    return [(s, images[s], masks[s]) for s in sorted(images)]


def read_image_2d(path: Path) -> np.ndarray:
    """Read a 2D image (PNG and friends, or a single-slice NIfTI) as an (H, W[, C]) array."""
    if path.name.lower().endswith((".nii", ".nii.gz")):
        array, _ = read_volume(path, ndim=None)
        array = np.squeeze(array)
    else:
        array = skio.imread(path)
    if array.ndim not in (2, 3):
        raise DataError(f"{path.name} has shape {array.shape}; a 2D image (H, W) or (H, W, C) is "
                        f"expected.")
    return array


def read_folder_pair(image_dir: str | Path, mask_dir: str | Path
                     ) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """Read every matched image/mask pair.

    Returns:
        ``(stems, images, masks)``: images (H, W[, C]) and integer masks (H, W), same order.

    Raises:
        DataError: when a mask is not 2D integer-valued or differs in size from its image.
    """
    stems, images, masks = [], [], []
    for stem, ip, mp in pair_files(image_dir, mask_dir):
        image, mask = read_image_2d(ip), read_image_2d(mp)
        if mask.ndim != 2 or mask.shape != image.shape[:2]:
            raise DataError(f"The mask of {stem!r} has shape {mask.shape} but its image has "
                            f"{image.shape[:2]}; masks must be single-channel and the same size.")
        stems.append(stem)
        images.append(image)
        masks.append(mask.astype(np.int64))
    return stems, images, masks
