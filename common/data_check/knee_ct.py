"""Check a ``knee_ct`` folder (lab07) against ``datasets/knee_ct.md``.

A knee is a CT in HU (any size and spacing, NIfTI or MetaImage) and its bone mask named
``bone_segmented`` (``.nii.gz``, ``.nii``, ``.mha`` or ``.mhd``: 0 background, 1 tibia, 2 femur)
on the same grid: same shape, spacing, origin and direction. The folder holds one knee (the two
files directly inside it) or one subfolder per knee; a subfolder with volumes but no mask, or a
mask beside no CT or several, is a problem.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.folders import file_stem
from ..io.volumes import VOLUME_SUFFIXES, read_label_mask, read_volume
from .report import CheckReport, attempt, grid_difference, listed, relative, visible_files

__all__ = ["NAME", "LABELS", "MASK_STEM", "check"]

NAME = "knee_ct"
#: mask labels: background, tibia, femur.
LABELS = {0: "background", 1: "tibia", 2: "femur"}
#: file name (without its volume ending) of a knee's bone mask.
MASK_STEM = "bone_segmented"
_CARD = "datasets/knee_ct.md"


def _volumes(folder: Path) -> list[Path]:
    return [p for p in visible_files(folder)
            if p.is_file() and p.name.lower().endswith(VOLUME_SUFFIXES)]


def _knee(report: CheckReport, root: Path, folder: Path) -> bool:
    """Check the knee in ``folder``; ``False`` when it holds no volume at all."""
    files = _volumes(folder)
    if not files:
        return False
    where = relative(folder, root) if folder != root else "the dataset folder"
    masks = [p for p in files if file_stem(p) == MASK_STEM]
    cts = [p for p in files if file_stem(p) != MASK_STEM]
    if not masks:
        report.add(f"{listed(relative(p, root) for p in cts)} has no bone mask: "
                   f"{MASK_STEM}.nii.gz (or .mha) is missing from {where}; add the mask "
                   f"segmented on this CT ({_CARD}).")
    if len(masks) > 1:
        report.add(f"{where} holds {len(masks)} bone masks "
                   f"({listed(relative(p, root) for p in masks)}); keep one per knee.")
    if masks and len(cts) != 1:
        report.add(f"{where} must hold exactly one CT beside {masks[0].name} but holds "
                   f"{len(cts)} ({listed(p.name for p in cts) or 'none'}); give each knee its "
                   f"own folder.")
    ct = attempt(report, read_volume, cts[0]) if len(cts) == 1 else None
    mask = (attempt(report, read_label_mask, masks[0], labels=set(LABELS))
            if len(masks) == 1 else None)
    report.summary["knees"] = int(report.summary.get("knees", 0)) + 1
    if ct is not None:
        shapes = report.summary.setdefault("CT shapes", [])
        shapes.append("x".join(map(str, ct[0].shape)))
    if mask is not None:
        present = set(np.unique(mask[0]).tolist())
        for label in (1, 2):
            if label not in present:
                report.add(f"{relative(masks[0], root)} holds no {LABELS[label]} (label {label}); "
                           f"label the tibia 1 and the femur 2.")
    if ct is not None and mask is not None:
        if ct[0].shape != mask[0].shape:
            report.add(f"{relative(masks[0], root)} has shape {mask[0].shape} but "
                       f"{relative(cts[0], root)} {ct[0].shape} (D, H, W); use the mask "
                       f"segmented on this CT.")
        else:
            problem = grid_difference(ct[1], mask[1])
            if problem:
                report.add(f"{relative(masks[0], root)} has "
                           f"{problem.replace('the image', 'the CT')}; the mask must lie on the "
                           f"CT's grid (resample it, or copy the CT's geometry).")
    report.layout = ("one knee" if folder == root else "one folder per knee")
    return True


def check(folder: Path, quick: bool = False) -> CheckReport:
    """Check a ``knee_ct`` folder; see the module docstring for what is checked
    (every file is read in full; ``quick`` changes nothing here)."""
    folder = Path(folder)
    report = CheckReport(NAME, folder)
    if not _knee(report, folder, folder):
        found = [_knee(report, folder, sub) for sub in visible_files(folder) if sub.is_dir()]
        if not any(found):
            report.add(f"{folder} holds no knee: put a CT and its mask {MASK_STEM}.nii.gz (or "
                       f".mha) in it, or one such pair per subfolder ({_CARD}).")
    if "CT shapes" in report.summary:
        report.summary["CT shapes"] = listed(report.summary["CT shapes"], 3)
    return report
