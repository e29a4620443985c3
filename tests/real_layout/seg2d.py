"""The seg2d phantom laid out as a real 2D segmentation download (Kvasir-SEG or ISIC 2018).

:func:`make_real_layout` turns a built phantom folder into what a user has after following
``datasets/seg2d.md``:

- ``layout="kvasir"``: the Kvasir-SEG zip as it unpacks, one flat labelled pool
  ``images/<id>.jpg`` + ``masks/<id>.jpg`` (RGB JPEG images, JPEG masks of 0/255 with compression
  noise, ids such as ``cju0qkwl35piu0993l0dewei2``) and the ``kavsir_bboxes.json`` that ships with
  it; no split folders, no test images.
- ``layout="isic"``: the ISIC 2018 Task 1 folders moved into ``train/``, ``val/`` and ``test/``
  as the card says: ``images/ISIC_0000000.jpg`` (RGB JPEG) and
  ``masks/ISIC_0000000_segmentation.png`` (8-bit 0/255 PNG), the test split labelled (its ground
  truth is public now).

Both have images of other sizes than the phantom's (each image its own, not square), every mask
at its image's size, and nothing the phantom builder adds: no manifest, no build marker, no
answer key.

Example:
    >>> make_real_layout(datasets / "seg2d", tmp / "data" / "seg2d", layout="kvasir")
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from common.answer_keys import key_masks, read_mask_key

__all__ = ["make_real_layout", "LAYOUTS", "real_name"]

LAYOUTS = ("kvasir", "isic")


def real_name(image_id: str, layout: str) -> str:
    """The file stem a real download gives the phantom's ``image_id``."""
    digest = hashlib.sha256(image_id.encode()).hexdigest()
    if layout == "kvasir":   # 25 lower-case letters and digits, starting with "c"
        return "c" + "".join("abcdefghijklmnopqrstuvwxyz0123456789"[int(digest[k:k + 2], 16) % 36]
                             for k in range(0, 48, 2))
    return f"ISIC_{int(digest[:8], 16) % 10_000_000:07d}"


def _labelled(phantom_dir: Path) -> dict[str, list[tuple[str, np.ndarray, np.ndarray]]]:
    """``{split: [(id, image uint8, mask bool), ...]}``; the test masks from the answer key."""
    test_masks = key_masks(read_mask_key("seg2d", "test_masks", root=phantom_dir.parent))
    out = {}
    for split in ("train", "val", "test"):
        rows = []
        for path in sorted((phantom_dir / split / "images").glob("*.png")):
            image = np.asarray(Image.open(path))
            if split == "test":
                mask = test_masks[path.stem]
            else:
                mask = np.asarray(Image.open(phantom_dir / split / "masks" / path.name)) > 0
            rows.append((path.stem, image, mask))
        out[split] = rows
    return out


def _resized(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator
             ) -> tuple[Image.Image, Image.Image]:
    """An RGB image and its 0/255 mask at a size of their own (not square, 100-180 pixels)."""
    height, width = (int(n) for n in rng.integers(100, 181, size=2))
    grey = Image.fromarray(image, mode="L").resize((width, height), Image.BILINEAR)
    tint = np.asarray(grey, np.float32)[..., None] * np.array([1.0, 0.82, 0.74])  # a reddish scope
    rgb = Image.fromarray(np.clip(tint, 0, 255).astype(np.uint8), mode="RGB")
    binary = Image.fromarray(mask.astype(np.uint8) * 255, mode="L").resize((width, height),
                                                                            Image.NEAREST)
    return rgb, binary


def make_real_layout(phantom_dir: Path, out_dir: Path, layout: str = "kvasir",
                     seed: int = 0) -> Path:
    """Write the phantom ``phantom_dir`` as a real-layout ``out_dir`` (which must not exist).

    Args:
        phantom_dir: a built ``seg2d`` phantom (its answer key beside it, in
            ``<phantom_dir>/../answer_keys/seg2d/test_masks.csv``).
        out_dir: the new dataset folder (``<data root>/seg2d``).
        layout: ``"kvasir"`` (one flat labelled pool) or ``"isic"`` (train/val/test folders,
            masks named ``<id>_segmentation.png``).
        seed: seeds the image sizes.

    Returns:
        ``out_dir``.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    phantom_dir, out_dir = Path(phantom_dir), Path(out_dir)
    labelled = _labelled(phantom_dir)
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True)
    boxes = {}
    for split, rows in labelled.items():
        base = out_dir if layout == "kvasir" else out_dir / split
        (base / "images").mkdir(parents=True, exist_ok=True)
        (base / "masks").mkdir(parents=True, exist_ok=True)
        for image_id, image, mask in rows:
            name = real_name(image_id, layout)
            rgb, binary = _resized(image, mask, rng)
            rgb.save(base / "images" / f"{name}.jpg", format="JPEG", quality=90)
            if layout == "kvasir":
                binary.save(base / "masks" / f"{name}.jpg", format="JPEG", quality=90)
                ys, xs = np.nonzero(np.asarray(binary))
                boxes[name] = {"height": rgb.height, "width": rgb.width, "bbox": [] if not len(ys) else [
                    {"label": "polyp", "xmin": int(xs.min()), "ymin": int(ys.min()),
                     "xmax": int(xs.max()), "ymax": int(ys.max())}]}
            else:
                binary.save(base / "masks" / f"{name}_segmentation.png", format="PNG")
    if layout == "kvasir":
        (out_dir / "kavsir_bboxes.json").write_text(json.dumps(boxes))
    return out_dir
