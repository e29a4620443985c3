"""seg2d: 2D images of organ-like structures with thin branches, and their binary masks.

Layout (the generic image/mask-folder layout of many public 2D segmentation sets)::

    seg2d/
      train/images/train_0000.png   train/masks/train_0000.png
      val/images/val_0000.png       val/masks/val_0000.png
      test/images/test_0000.png     (no masks: the hidden test split)

Images are 8-bit grey PNGs of ``SIZE x SIZE`` pixels; masks are 8-bit PNGs with 0 for background
and 255 for the structure. The test masks are written only as an answer key
(``answer_keys/seg2d/test_masks.csv``: ``ImageId,Height,Width,PackedMask``, each mask's pixels
packed as :func:`common.answer_keys.mask_key_table` does).

Each image holds one to three lobed "organs" of a range of sizes (two may touch and merge), with
concave notches and two to five thin curved branches (1-3 pixels wide, some fainter than the
body) growing out of them. Part of each organ's rim fades into the background (a low-contrast
edge, as a lesion that blends into its surroundings), and one or two distractor blobs of similar
brightness and a different texture, sometimes touching an organ, are *not* part of the mask. The
background is textured; a smooth multiplicative bias field, a blur of the acquisition and
Gaussian noise of a per-image level finish the image. The thin branches and notches are where
boundary accuracy matters: a network that predicts at 1/8 of the resolution (FCN-8s) blurs them
away, one with full-resolution skip connections (U-Net) keeps them; the faint rims, the touching
distractors and the noise leave every network some error, so the scores do not saturate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.draw import polygon

from ..answer_keys import mask_key_table, write_answer_key

__all__ = ["NAME", "DESCRIPTION", "VERSION", "SIZE", "SPLITS", "build", "render_case"]

NAME = "seg2d"
DESCRIPTION = ("2D organ-like shapes of several sizes with thin branches, faint rims, touching "
               "distractors, texture, bias field and noise; PNG images and masks")
VERSION = 4
SIZE = 96
#: Number of images per split.
SPLITS = {"train": 200, "val": 60, "test": 60}


def _smooth_noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    """Zero-mean, unit-variance Gaussian-filtered noise, shape (size, size)."""
    field = ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma, mode="wrap")
    return (field - field.mean()) / (field.std() + 1e-8)


def _lobed(rng: np.random.Generator, size: int, centre: tuple[float, float], radius: float,
           notches: int) -> np.ndarray:
    """Boolean mask of a lobed body with ``notches`` concave notches, shape (size, size)."""
    cy, cx = centre
    theta = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    r = np.ones_like(theta)
    for k in (2, 3, 5, 7):
        r += rng.uniform(0.02, 0.12 if k < 7 else 0.05) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    for _ in range(notches):
        centre_angle, width = rng.uniform(0, 2 * np.pi), rng.uniform(0.1, 0.2)
        dist = np.angle(np.exp(1j * (theta - centre_angle)))
        r -= rng.uniform(0.25, 0.45) * np.exp(-0.5 * (dist / width) ** 2)
    rr, cc = polygon(cy + radius * r * np.sin(theta), cx + radius * r * np.cos(theta), (size, size))
    mask = np.zeros((size, size), bool)
    mask[rr, cc] = True
    return mask


def _branch(rng: np.random.Generator, body: np.ndarray, size: int) -> np.ndarray:
    """Boolean mask of one thin curved tube starting inside ``body`` and growing outwards."""
    ys, xs = np.nonzero(body)
    if len(ys) == 0:
        return np.zeros((size, size), bool)
    k = rng.integers(len(ys))
    y, x = float(ys[k]), float(xs[k])
    angle = rng.uniform(0, 2 * np.pi)
    length = rng.uniform(0.2, 0.45) * size
    half_width = rng.uniform(0.5, 1.4)
    curvature = rng.uniform(-0.06, 0.06)
    pts = []
    for _ in range(int(length * 2)):
        y += 0.5 * np.sin(angle)
        x += 0.5 * np.cos(angle)
        angle += curvature + rng.normal(0, 0.03)
        if not (2 <= y < size - 2 and 2 <= x < size - 2):
            break
        pts.append((y, x))
    if not pts:
        return np.zeros((size, size), bool)
    centre = np.ones((size, size), bool)
    idx = np.round(np.asarray(pts)).astype(int)
    centre[idx[:, 0], idx[:, 1]] = False
    return ndimage.distance_transform_edt(centre) <= half_width + 0.5


def _organs(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The union of one to three bodies of different sizes, and each body."""
    count = int(rng.choice([1, 2, 3], p=[0.45, 0.35, 0.2]))
    bodies: list[np.ndarray] = []
    union = np.zeros((size, size), bool)
    for k in range(count):
        radius = (rng.uniform(0.13, 0.22) if k == 0 else rng.uniform(0.05, 0.12)) * size
        for _ in range(30):
            if k == 0:
                centre = tuple(rng.uniform(0.32, 0.68, size=2) * size)
            elif rng.random() < 0.4:   # touching the first body: the masks merge
                ys, xs = np.nonzero(ndimage.binary_dilation(bodies[0]) & ~bodies[0])
                j = rng.integers(len(ys))
                direction = np.array([ys[j], xs[j]]) - np.argwhere(bodies[0]).mean(0)
                direction /= np.linalg.norm(direction) + 1e-8
                centre = tuple(np.array([ys[j], xs[j]]) + direction * radius * 0.8)
            else:
                centre = tuple(rng.uniform(0.15, 0.85, size=2) * size)
            body = _lobed(rng, size, centre, radius, int(rng.integers(0, 3) if k else rng.integers(1, 3)))
            if body.sum() > 20:
                break
        bodies.append(body)
        union |= body
    return union, bodies


def render_case(rng: np.random.Generator, size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Draw one image and its mask.

    Args:
        rng: the NumPy generator that decides everything about the case.
        size: image side in pixels.

    Returns:
        ``(image, mask)``: ``uint8`` (size, size) image and ``uint8`` (size, size) mask in {0, 255}.
    """
    organs, bodies = _organs(rng, size)
    mask = organs.copy()
    faint = np.zeros((size, size), bool)
    for _ in range(rng.integers(2, 6)):
        branch = _branch(rng, bodies[int(rng.integers(len(bodies)))], size) & ~organs
        mask |= branch
        if rng.random() < 0.4:
            faint |= branch
    # distractors: blobs of similar brightness and another texture, not in the mask; one may touch
    distractor = np.zeros((size, size), bool)
    for d in range(int(rng.integers(1, 3))):
        touching = d == 0 and rng.random() < 0.5
        for _ in range(30):
            radius = rng.uniform(0.05, 0.1) * size
            if touching:
                ys, xs = np.nonzero(ndimage.binary_dilation(organs, iterations=2) & ~organs)
                j = rng.integers(len(ys))
                direction = np.array([ys[j], xs[j]]) - np.argwhere(organs).mean(0)
                direction /= np.linalg.norm(direction) + 1e-8
                centre = np.array([ys[j], xs[j]]) + direction * (radius + 1)
            else:
                centre = rng.uniform(0.12, 0.88, size=2) * size
            candidate = _lobed(rng, size, tuple(centre), radius, 0) & ~mask
            gap = 1 if touching else 3
            apart = not (ndimage.binary_dilation(candidate, iterations=gap) & mask).any()
            if candidate.sum() > 15 and (apart or touching):
                distractor |= candidate
                break

    background = 0.3 + 0.06 * _smooth_noise(rng, size, rng.uniform(1.5, 4.0))
    fg_level = rng.uniform(0.55, 0.7)
    contrast = np.ones((size, size))
    # a faint rim: the contrast fades over a sector of each body's outline
    for body in bodies:
        cy, cx = np.argwhere(body).mean(0)
        yy, xx = np.mgrid[:size, :size]
        angle = np.arctan2(yy - cy, xx - cx)
        dist = np.abs(np.angle(np.exp(1j * (angle - rng.uniform(0, 2 * np.pi)))))
        fade = rng.uniform(0.45, 0.7) * np.exp(-0.5 * (dist / rng.uniform(0.35, 0.7)) ** 2)
        inner = ndimage.distance_transform_edt(body)
        fade *= np.exp(-inner / 4.0)      # the fading is at the rim, not in the middle
        contrast[body] = np.minimum(contrast[body], 1 - fade[body])
    contrast[faint] = rng.uniform(0.35, 0.6)
    organ_texture = 0.07 * _smooth_noise(rng, size, rng.uniform(0.8, 1.6))
    stripes = 0.08 * np.sin(np.arange(size)[None, :] * rng.uniform(0.9, 1.5)
                            + np.arange(size)[:, None] * rng.uniform(0.2, 0.6))
    image = background.copy()
    image[distractor] = fg_level - rng.uniform(0.05, 0.15) + stripes[distractor]
    fg = background + (fg_level + organ_texture - background) * contrast
    image[mask] = fg[mask]
    image = ndimage.gaussian_filter(image, rng.uniform(0.6, 1.0))
    yy, xx = np.mgrid[:size, :size] / size
    a, b, c = rng.uniform(-0.45, 0.45, size=3)
    bias = np.exp(a * (xx - 0.5) + b * (yy - 0.5) + c * (xx - 0.5) * (yy - 0.5))
    image = image * bias + rng.normal(0, rng.uniform(0.035, 0.07), size=(size, size))
    image = np.clip(image, 0, 1)
    return (image * 255).round().astype(np.uint8), mask.astype(np.uint8) * 255
def _save_png(array: np.ndarray, path: Path) -> None:
    Image.fromarray(array, mode="L").save(path, format="PNG", optimize=False)


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
    test_masks = {}
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
                test_masks[image_id] = mask > 0
            else:
                _save_png(mask, out_dir / split / "masks" / f"{image_id}.png")
    write_answer_key(NAME, "test_masks", mask_key_table(test_masks), root=out_dir.parent,
                     meta={"image_shape": [SIZE, SIZE]})
