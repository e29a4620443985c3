"""Check a ``seg2d`` folder (lab04) against ``datasets/seg2d.md``.

Two layouts, as the lab's loader reads them:

* split folders: ``train/`` (required), ``val/`` and ``test/`` (optional), each with ``images/``
  and ``masks/`` (``test/masks`` optional: a hidden test split);
* one flat labelled pool: ``images/`` and ``masks/`` (a Kvasir-SEG download as it unpacks).

A mask is named like its image, or with a suffix ``_segmentation``, ``_mask`` or ``_seg``
(ISIC's ``ISIC_0000000_segmentation.png``). Images may have any size; each mask is single-channel
with its image's height and width, and binary: 0/1 or 0/255, or, in a lossy JPEG, values near 0
and near 255 only (compression noise, which the loader thresholds at 128).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..io.folders import IMAGE_SUFFIXES, file_stem, read_image_2d
from .report import CheckReport, attempt, listed, relative, visible_files

__all__ = ["NAME", "MASK_SUFFIXES", "check"]

NAME = "seg2d"
#: split -> whether it must be there.
SPLITS = {"train": True, "val": False, "test": False}
#: the endings a mask's stem may add to its image's stem.
MASK_SUFFIXES = ("_segmentation", "_mask", "_seg")
#: the exact mask encodings.
MASK_VALUES = ({0, 1}, {0, 255})
#: a lossy JPEG mask: every value within this distance of 0 or 255.
_JPEG_NOISE = 63
_LOSSY = (".jpg", ".jpeg")


def _files(report: CheckReport, folder: Path, root: Path) -> dict[str, Path]:
    """``{stem: path}`` of the image files of ``folder``; two files of one stem are a problem."""
    found: dict[str, Path] = {}
    for path in visible_files(folder):
        if not path.is_file() or not path.name.lower().endswith(IMAGE_SUFFIXES):
            continue
        stem = file_stem(path)
        if stem in found:
            report.add(f"{relative(found[stem], root)} and {path.name} share the name {stem}; "
                       f"keep one file per image.")
            continue
        found[stem] = path
    return found


def _image_of(stem: str, images: dict[str, Path]) -> str:
    """The image stem a mask stem belongs to (its own, or without a mask suffix)."""
    if stem in images:
        return stem
    for suffix in MASK_SUFFIXES:
        if stem.endswith(suffix) and stem[: -len(suffix)] in images:
            return stem[: -len(suffix)]
    return stem


def _encoding(mask: np.ndarray, path: Path) -> str | None:
    """``"0/1"``, ``"0/255"`` or ``"0/255 JPEG"``; ``None`` when the mask is not binary."""
    values = set(np.unique(mask).tolist())
    if values <= MASK_VALUES[0]:
        return "0/1"
    if values <= MASK_VALUES[1]:
        return "0/255"
    if (path.suffix.lower() in _LOSSY and mask.dtype == np.uint8 and max(values) > 127
            and all(v <= _JPEG_NOISE or v >= 255 - _JPEG_NOISE for v in values)):
        return "0/255 JPEG"
    return None


def _mask_problem(mask: np.ndarray) -> str:
    values = sorted(set(np.unique(mask).tolist()))
    odd = [v for v in values if v not in (0, 1, 255)] or values
    return (f"holds the values {listed(odd, 8)} where a mask holds 0 and 1, or 0 and 255; "
            f"threshold it (e.g. > 127) and save it losslessly (PNG).")


def _split(report: CheckReport, root: Path, base: Path, label: str, needs_masks: bool,
           sizes: Counter, encodings: Counter) -> None:
    """Check ``base/images`` and ``base/masks``; ``label`` names the split in the summary."""
    image_dir, mask_dir = base / "images", base / "masks"
    where = relative(base, root) + "/" if base != root else ""
    if not image_dir.is_dir():
        report.add(f"{where}images/ is missing from {root}; put the {label} images there "
                   f"(datasets/seg2d.md).")
        return
    images = _files(report, image_dir, root)
    has_masks = mask_dir.is_dir()
    if needs_masks and not has_masks:
        report.add(f"{where}masks/ is missing from {root}; put one mask per image there, named "
                   f"like its image.")
    masks: dict[str, Path] = {}
    for stem, path in (_files(report, mask_dir, root) if has_masks else {}).items():
        owner = _image_of(stem, images)
        if owner in masks:
            report.add(f"{relative(masks[owner], root)} and {path.name} are both masks of "
                       f"{owner}; keep one mask per image.")
            continue
        masks[owner] = path
    if not images:
        report.add(f"{where}images/ in {root} holds no image ({', '.join(IMAGE_SUFFIXES)}); put "
                   f"the {label} images there.")
    for stem in sorted(set(masks) - set(images)):
        report.add(f"{relative(masks[stem], root)} has no image in {where}images/ (one named "
                   f"{stem}); add the image or remove the mask.")
    for stem, image_path in sorted(images.items()):
        image = attempt(report, read_image_2d, image_path)
        if image is not None:
            sizes[image.shape] += 1
        if stem not in masks:
            if has_masks:
                report.add(f"{relative(image_path, root)} has no mask in {where}masks/ (a file "
                           f"named {stem}, or {stem}_segmentation, with an image ending); add it "
                           f"or remove the image.")
            continue
        mask = attempt(report, read_image_2d, masks[stem])
        if mask is None:
            continue
        encoding = _encoding(mask, masks[stem])
        if encoding is None:
            report.add(f"{relative(masks[stem], root)} {_mask_problem(mask)}")
        else:
            encodings[encoding] += 1
        if image is not None and image.shape != mask.shape:
            report.add(f"{relative(masks[stem], root)} is {mask.shape[0]}x{mask.shape[1]} pixels "
                       f"but its image {relative(image_path, root)} is {image.shape[0]}x"
                       f"{image.shape[1]}; give the mask its image's size.")
    report.summary[f"{label} images"] = len(images)
    if has_masks:
        report.summary[f"{label} masks"] = len(masks)


def check(folder: Path, quick: bool = False) -> CheckReport:
    """Check a ``seg2d`` folder; see the module docstring for what is checked
    (every file is read in full; ``quick`` changes nothing here)."""
    folder = Path(folder)
    report = CheckReport(NAME, folder)
    sizes: Counter = Counter()
    encodings: Counter = Counter()
    if (folder / "images").is_dir() and not (folder / "train").is_dir():
        report.layout = "one labelled pool (images/, masks/)"
        _split(report, folder, folder, "pool", True, sizes, encodings)
    else:
        report.layout = "split folders"
        for split, required in SPLITS.items():
            if required or (folder / split).is_dir():
                _split(report, folder, folder / split, split, split != "test", sizes, encodings)
    if sizes:
        shown = sorted(f"{h}x{w}" for h, w in sizes)
        report.summary["image sizes"] = (shown[0] if len(shown) == 1
                                         else f"{len(shown)} different, e.g. {listed(shown, 3)}")
    if encodings:
        report.layout += ", masks " + " + ".join(sorted(encodings))
    return report
