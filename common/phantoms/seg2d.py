"""seg2d: 2D images of an organ-like structure with thin branches, and their binary masks.

Layout (the generic image/mask-folder layout of many public 2D segmentation sets)::

    seg2d/
      train/images/train_0000.png   train/masks/train_0000.png
      val/images/val_0000.png       val/masks/val_0000.png
      test/images/test_0000.png     (no masks: the hidden test split)

Images are 8-bit grey PNGs of ``SIZE x SIZE`` pixels; masks are 8-bit PNGs with 0 for background
and 255 for the structure. The test masks are written only as an answer key
(``answer_keys/seg2d/test_masks.csv``: ``ImageId,EncodedPixels``, run-length encoded in the
order of :mod:`common.io.rle`).

Each image holds one smooth lobed "organ" with concave notches and two to four thin curved
branches (2-3 pixels wide) growing out of it, on a textured background with a distractor blob of
similar brightness that is *not* part of the mask, under a smooth multiplicative bias field and
Gaussian noise. The thin branches and notches are where boundary accuracy matters: a network that
predicts at 1/8 of the resolution (FCN-8s) blurs them away, one with full-resolution skip
connections (U-Net) keeps them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage
from skimage.draw import disk, polygon

from ..answer_keys import write_answer_key
from ..io.rle import rle_encode

__all__ = ["NAME", "DESCRIPTION", "VERSION", "SIZE", "SPLITS", "build", "render_case"]

NAME = "seg2d"
DESCRIPTION = ("2D organ-like shapes with thin branches, texture, bias field and noise; "
               "PNG images and masks")
VERSION = 2
SIZE = 96
#: Number of images per split.
SPLITS = {"train": 200, "val": 40, "test": 60}


def _smooth_noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian-filtered noise, shape (size, size)."""
    field = ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-8)


def _organ(rng: np.random.Generator, size: int) -> np.ndarray:
    """Boolean mask of a lobed body with concave notches, shape (size, size)."""
    cy, cx = rng.uniform(0.38, 0.62, size=2) * size
    radius = rng.uniform(0.17, 0.24) * size
    theta = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    r = np.ones_like(theta)
    for k in (2, 3, 5):
        r += rng.uniform(0.03, 0.12) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    for _ in range(rng.integers(1, 3)):
        # a narrow concave notch
        centre, width = rng.uniform(0, 2 * np.pi), rng.uniform(0.12, 0.22)
        dist = np.angle(np.exp(1j * (theta - centre)))
        r -= rng.uniform(0.25, 0.4) * np.exp(-0.5 * (dist / width) ** 2)
    rr, cc = polygon(cy + radius * r * np.sin(theta), cx + radius * r * np.cos(theta), (size, size))
    mask = np.zeros((size, size), bool)
    mask[rr, cc] = True
    return mask


def _branch(rng: np.random.Generator, mask: np.ndarray, size: int) -> np.ndarray:
    """Boolean mask of one thin curved tube starting inside ``mask`` and growing outwards."""
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    angle = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.28, 0.45) * size
    half_width = rng.uniform(0.9, 1.5)
    curvature = rng.uniform(-0.04, 0.04)
    steps = int(length * 2)
    y, x = cy, cx
    pts = []
    for _ in range(steps):
        y += 0.5 * np.sin(angle)
        x += 0.5 * np.cos(angle)
        angle += curvature
        if not (2 <= y < size - 2 and 2 <= x < size - 2):
            break
        pts.append((y, x))
    if not pts:
        return np.zeros((size, size), bool)
    centre = np.ones((size, size), bool)
    idx = np.round(np.asarray(pts)).astype(int)
    centre[idx[:, 0], idx[:, 1]] = False
    return ndimage.distance_transform_edt(centre) <= half_width + 0.5


def render_case(rng: np.random.Generator, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Draw one image and its mask.

    Args:
        rng: the NumPy generator that decides everything about the case.
        size: image side in pixels.

    Returns:
        ``(image, mask)``: ``uint8`` (size, size) image and ``uint8`` (size, size) mask in {0, 255}.
    """
    organ = _organ(rng, size)
    mask = organ.copy()
    for _ in range(rng.integers(2, 5)):
        mask |= _branch(rng, organ, size)
    # a distractor: a blob of similar brightness and a different texture, not in the mask
    distractor = np.zeros_like(mask)
    for _ in range(20):
        cy, cx = rng.uniform(0.12, 0.88, size=2) * size
        rad = rng.uniform(0.06, 0.1) * size
        rr, cc = disk((cy, cx), rad, shape=(size, size))
        candidate = np.zeros_like(mask)
        candidate[rr, cc] = True
        if not (ndimage.binary_dilation(candidate, iterations=3) & mask).any():
            distractor = candidate
            break

    background = 0.25 + 0.05 * _smooth_noise(rng, size, 4.0)
    fg_level = rng.uniform(0.62, 0.72)
    organ_texture = 0.06 * _smooth_noise(rng, size, 1.5)
    stripes = 0.08 * np.sin(np.arange(size)[None, :] * 1.3 + np.arange(size)[:, None] * 0.4)
    image = background.copy()
    image[distractor] = fg_level - 0.12 + stripes[distractor]
    image[mask] = fg_level + organ_texture[mask]
    image = ndimage.gaussian_filter(image, 0.6)
    yy, xx = np.mgrid[:size, :size] / size
    a, b, c = rng.uniform(-0.25, 0.25, size=3)
    bias = np.exp(a * (xx - 0.5) + b * (yy - 0.5) + c * (xx - 0.5) * (yy - 0.5))
    image = image * bias + rng.normal(0, 0.045, size=(size, size))
    image = np.clip(image, 0, 1)
    return (image * 255).round().astype(np.uint8), mask.astype(np.uint8) * 255


def _save_png(array: np.ndarray, path: Path) -> None:
    Image.fromarray(array, mode="L").save(path, format="PNG", optimize=False)


def _encode_mask(mask: np.ndarray) -> str:
    """Run-length encoding of a mask in the course's order (:mod:`common.io.rle`)."""
    return rle_encode(mask > 0)


def build(out_dir: Path, seed: int = 0, hidden_seed: int | None = None) -> None:
    """Write the seg2d phantom into ``out_dir`` and the test masks into the answer keys.

    Args:
        out_dir: an empty folder that becomes ``<data root>/seg2d``.
        seed: the generator seed; the same seed gives byte-identical files.
        hidden_seed: an integer drawn from the instructor's secret; when given, the test split
            (images and key) comes from a generator seeded with it and ``seed``, while train and
            val stay byte-identical. ``None``: the test split continues the public stream.
    """
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    key_rows = []
    for split, count in SPLITS.items():
        if split == "test" and hidden_seed is not None:
            rng = np.random.default_rng([hidden_seed, seed])
        (out_dir / split / "images").mkdir(parents=True, exist_ok=True)
        if split != "test":
            (out_dir / split / "masks").mkdir(parents=True, exist_ok=True)
        for i in range(count):
            image_id = f"{split}_{i:04d}"
            image, mask = render_case(rng)
            _save_png(image, out_dir / split / "images" / f"{image_id}.png")
            if split == "test":
                key_rows.append({"ImageId": image_id, "EncodedPixels": _encode_mask(mask)})
            else:
                _save_png(mask, out_dir / split / "masks" / f"{image_id}.png")
    write_answer_key(NAME, "test_masks", pd.DataFrame(key_rows), root=out_dir.parent,
                     meta={"image_shape": [SIZE, SIZE]})
