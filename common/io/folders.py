"""Image/mask folder pairs for 2D segmentation: ``images/<stem>.png`` beside ``masks/<stem>.png``.

Files are matched by file stem; two files of one folder with the same stem (``a.png`` beside
``a.jpg``) are refused rather than one silently chosen. Raster images (PNG, TIFF, JPEG, BMP) are
read with Pillow, fully decoded so that a truncated or corrupt file fails (even when
``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is set elsewhere), and a single-slice NIfTI with
:func:`~common.io.volumes.read_volume`. A multi-page file (a TIFF stack) is refused: it is not one
2D image.

Example:
    >>> for stem, image_path, mask_path in pair_files(split / "images", split / "masks"):
    ...     image, mask = read_image_2d(image_path), read_image_2d(mask_path)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile

from ..errors import DataError
from ._guard import finite_or_raise, require_file
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

    Raises:
        DataError: when the folder is missing or unreadable, or two files share a stem
            (``a.png`` and ``a.jpg``: which one is the image would be a guess).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"The image folder {folder} does not exist; check the path or build the "
                        f"data with `dlmia data build`.")
    try:
        paths = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.name.lower().endswith(suffixes))
    except OSError as exc:
        raise DataError(f"The folder {folder} cannot be listed ({exc.__class__.__name__}); check "
                        f"that it is readable.") from None
    found: dict[str, Path] = {}
    for path in paths:
        stem = file_stem(path)
        if stem in found:
            raise DataError(f"{found[stem].name} and {path.name} in {folder} share the name "
                            f"{stem}; keep one file per image (remove or rename the other).")
        found[stem] = path
    return found


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
        DataError: when a folder is missing, there are no images, an image has no mask, or two
            files of a folder share a stem.
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


def _read_raster(path: Path) -> np.ndarray:
    """One raster image with Pillow, fully decoded, as one grey value per pixel."""
    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file must fail, not come back padded
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": the pixels decide
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1)
                if frames > 1:
                    raise DataError(f"{path} holds {frames} images (pages or frames); save each "
                                    f"one as its own 2D file.")
                image.load()
                if image.mode not in _GREY_MODES:
                    image = image.convert("L")
                return np.asarray(image)
    except DataError:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, zlib errors...
        raise DataError(f"{path} could not be read as an image ({exc.__class__.__name__}: the "
                        f"file is truncated, damaged or not an image); replace or remove "
                        f"it.") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = strict


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
        DataError: when the file is missing, empty, truncated, damaged or not an image, holds
            several pages, NaN or infinite values, or is not a 2D image.
    """
    path = Path(path)
    if path.name.lower().endswith((".nii", ".nii.gz")):
        array, _ = read_volume(path, ndim=None)
        array = np.squeeze(array)
    else:
        array = _read_raster(require_file(path, "image"))
    if array.ndim != 2:
        raise DataError(f"{path.name} has shape {array.shape}; a single 2D image (H, W) is "
                        f"expected.")
    finite_or_raise(array, f"The image {path.name}")
    return array
