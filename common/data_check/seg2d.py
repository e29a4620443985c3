"""Check a ``seg2d`` folder (lab04) against ``datasets/seg2d.md``.

``train/`` and ``val/`` each hold ``images/`` and ``masks/`` matched by file stem; ``test/images``
is optional (its masks, when present, are checked like the others). Images may have any size;
each mask is single-channel with its image's height and width, and binary: 0/1 or 0/255.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..io.folders import IMAGE_SUFFIXES, file_stem, read_image_2d
from .report import CheckReport, attempt, listed, relative, visible_files

__all__ = ["NAME", "check"]

NAME = "seg2d"
#: split -> whether it must have masks.
SPLITS = {"train": True, "val": True, "test": False}
#: the two mask encodings the card allows.
MASK_VALUES = ({0, 1}, {0, 255})


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


def _mask_problem(mask: np.ndarray) -> str | None:
    values = set(np.unique(mask).tolist())
    if any(values <= allowed for allowed in MASK_VALUES):
        return None
    extra = sorted(values - {0, 1, 255})[:8] if values - {0, 1, 255} else sorted(values)
    return (f"holds the values {listed(extra, 8)} where a mask holds 0 and 1, or 0 and 255; "
            f"threshold it (e.g. > 127) and save it losslessly (PNG).")


def _split(report: CheckReport, root: Path, split: str, needs_masks: bool,
           sizes: Counter, encodings: Counter) -> None:
    folder = root / split
    image_dir, mask_dir = folder / "images", folder / "masks"
    if not image_dir.is_dir():
        report.add(f"{split}/images/ is missing from {root}; put the {split} images there "
                   f"(datasets/seg2d.md).")
        return
    images = _files(report, image_dir, root)
    has_masks = mask_dir.is_dir()
    if needs_masks and not has_masks:
        report.add(f"{split}/masks/ is missing from {root}; put one mask per image there, named "
                   f"like its image.")
    masks = _files(report, mask_dir, root) if has_masks else {}
    if not images:
        report.add(f"{split}/images/ in {root} holds no image ({', '.join(IMAGE_SUFFIXES)}); put "
                   f"the {split} images there.")
    for stem in sorted(set(masks) - set(images)):
        report.add(f"{relative(masks[stem], root)} has no image ({split}/images/{stem}.png); add "
                   f"the image or remove the mask.")
    for stem, image_path in sorted(images.items()):
        image = attempt(report, read_image_2d, image_path)
        if image is not None:
            sizes[image.shape] += 1
        if stem not in masks:
            if has_masks:
                report.add(f"{relative(image_path, root)} has no mask in {split}/masks/ (a file "
                           f"named {stem} with an image ending); add it or remove the image.")
            continue
        mask = attempt(report, read_image_2d, masks[stem])
        if mask is None:
            continue
        problem = _mask_problem(mask)
        if problem:
            report.add(f"{relative(masks[stem], root)} {problem}")
        else:
            encodings["0/255" if mask.max(initial=0) == 255 else "0/1"] += 1
        if image is not None and image.shape != mask.shape:
            report.add(f"{relative(masks[stem], root)} is {mask.shape[0]}x{mask.shape[1]} pixels "
                       f"but its image {relative(image_path, root)} is {image.shape[0]}x"
                       f"{image.shape[1]}; give the mask its image's size.")
    report.summary[f"{split} images"] = len(images)
    if has_masks:
        report.summary[f"{split} masks"] = len(masks)


def check(folder: Path) -> CheckReport:
    """Check a ``seg2d`` folder; see the module docstring for what is checked."""
    folder = Path(folder)
    report = CheckReport(NAME, folder)
    sizes: Counter = Counter()
    encodings: Counter = Counter()
    for split, needs_masks in SPLITS.items():
        if needs_masks or (folder / split).is_dir():
            _split(report, folder, split, needs_masks, sizes, encodings)
    if sizes:
        shown = sorted(f"{h}x{w}" for h, w in sizes)
        report.summary["image sizes"] = shown[0] if len(shown) == 1 else f"{len(shown)} ({listed(shown, 3)})"
    report.layout = "image/mask folders" + (f", masks {'+'.join(sorted(encodings))}"
                                            if encodings else "")
    return report
