"""Image/mask folder pairs for 2D segmentation: ``images/<stem>.png`` beside ``masks/<stem>.png``.

Files are matched by file stem. Raster images (PNG, TIFF, JPEG, BMP) are read with Pillow, and a
single-slice NIfTI with :func:`~common.io.volumes.read_volume`.

Example:
    >>> for stem, image_path, mask_path in pair_files(split / "images", split / "masks"):
    ...     image, mask = read_image_2d(image_path), read_image_2d(mask_path)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import DataError
from .volumes import read_volume

__all__ = ["IMAGE_SUFFIXES", "file_stem", "list_images", "pair_files", "read_image_2d"]

#: File endings of 2D images (raster formats and single-slice NIfTI).
IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".nii", ".nii.gz")

#: Pillow modes that already hold one grey value per pixel (8, 16 or 32 bits): kept as stored.
_GREY_MODES = ("L", "I;16", "I;16B", "I;16L", "I", "F")


def file_stem(path: Path) -> str:
    """The name without its (possibly double, ``.nii.gz``) ending."""
    name = path.name
    return name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else path.stem


def list_images(folder: str | Path, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> dict[str, Path]:
    """``{file stem: path}`` of the files in ``folder`` whose names end in one of ``suffixes``.

    Args:
        folder: an existing folder (not searched recursively).
        suffixes: accepted endings, lower case.

    Returns:
        The matching files by stem, in name order.
    """
    return {file_stem(p): p for p in sorted(Path(folder).iterdir())
            if p.is_file() and p.name.lower().endswith(suffixes)}


def pair_files(image_dir: str | Path, mask_dir: str | Path) -> list[tuple[str, Path, Path]]:
    """Match every image to the mask with its file stem.

    A mask without an image is ignored (a folder may hold masks for more images than one split
    uses).

    Args:
        image_dir: the folder of images.
        mask_dir: the folder of masks.

    Returns:
        ``[(stem, image_path, mask_path), ...]`` sorted by stem.

    Raises:
        DataError: when a folder is missing, there are no images, or an image has no mask.
    """
    image_dir, mask_dir = Path(image_dir), Path(mask_dir)
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise DataError(f"The folder {folder} does not exist; point the loader at an images/ "
                            f"and a masks/ folder.")
    images, masks = list_images(image_dir), list_images(mask_dir)
    if not images:
        raise DataError(f"{image_dir} holds no image files; put the .png (or .jpg, .tif, "
                        f".nii.gz) images there.")
    missing = sorted(set(images) - set(masks))
    if missing:
        raise DataError(f"{len(missing)} image(s) in {image_dir} have no mask in {mask_dir}, e.g. "
                        f"{missing[0]}; give each mask its image's file name.")
    return [(s, images[s], masks[s]) for s in sorted(images)]


def read_image_2d(path: str | Path) -> np.ndarray:
    """Read a 2D image as one grey value per pixel.

    Colour, palette and bilevel images are converted to 8-bit grey (Pillow's ``convert("L")``,
    ITU-R 601-2 luma); 8-, 16- and 32-bit grey images keep their stored values; a NIfTI must
    hold a single slice.

    Args:
        path: a raster image (``.png``, ``.tif``, ``.jpg``, ``.bmp``) or a ``.nii``/``.nii.gz``.

    Returns:
        (H, W) array in the file's pixel type (uint8 after a colour conversion).

    Raises:
        DataError: when the file cannot be read or is not a 2D image.
    """
    path = Path(path)
    if path.name.lower().endswith((".nii", ".nii.gz")):
        array, _ = read_volume(path, ndim=None)
        array = np.squeeze(array)
    else:
        try:
            with Image.open(path) as image:
                if image.mode not in _GREY_MODES:
                    image = image.convert("L")
                array = np.asarray(image)
        except OSError as exc:
            raise DataError(f"{path} could not be read as an image ({exc}); replace or remove "
                            f"it.") from None
    if array.ndim != 2:
        raise DataError(f"{path.name} has shape {array.shape}; a single 2D image (H, W) is "
                        f"expected.")
    return array
