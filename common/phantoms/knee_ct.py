"""Knee CT phantom: a CT volume in Hounsfield units and its bone label mask, as NIfTI.

Layout (the seed's layout, with the CT renamed to a stable file name)::

    knee_ct/
      knee_ct.nii.gz          int16 CT in HU, (X, Y, Z) = (112, 112, 128), spacing 0.7×0.7×0.9 mm
      bone_segmented.nii.gz   uint8 labels: 0 background, 1 tibia, 2 femur

Read either file with SimpleITK (``GetArrayFromImage`` gives (Z, Y, X) = (D, H, W)) or nibabel.
The leg runs along Z: the tibia below the joint space, the femur with its two condyles above it.
Around the bones: muscle (~40 HU), a subcutaneous fat layer (~ -100 HU), air (-1000 HU), and
two *unlabelled* bones, the patella in front of the joint and the fibula beside the tibia, so that
"background" holds some bone too, as in a real scan. Bones have a dense cortical shell (~1300 HU)
around trabecular bone (~250 HU with texture). Everything is drawn from ``numpy`` with the seed,
and the gzip streams carry no time stamp, so the same seed gives byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from .nifti import write_nifti_gz

__all__ = ["NAME", "DESCRIPTION", "VERSION", "SHAPE", "SPACING", "LABELS", "build",
           "make_volume"]

NAME = "knee_ct"
DESCRIPTION = "knee CT in HU (NIfTI) with a tibia/femur label mask (lab07)"
VERSION = 1
#: (D, H, W) = (Z, Y, X) of the volume as SimpleITK returns it.
SHAPE = (128, 112, 112)
#: voxel size in mm along (X, Y, Z), as stored in the NIfTI header.
SPACING = (0.7, 0.7, 0.9)
#: mask label of each bone.
LABELS = {"background": 0, "tibia": 1, "femur": 2}


def _ellipsoid(z, y, x, centre, radii) -> np.ndarray:
    cz, cy, cx = centre
    rz, ry, rx = radii
    return ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def make_volume(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw the knee: CT in HU and the label mask, both (D, H, W) = (128, 112, 112).

    Args:
        seed: seeds a ``numpy`` Generator; small shifts of sizes and positions come from it.

    Returns:
        ``(ct, mask)``: int16 HU values and uint8 labels (0 background, 1 tibia, 2 femur).
    """
    rng = np.random.default_rng(seed)
    d, h, w = SHAPE
    z, y, x = np.meshgrid(np.arange(d), np.arange(h), np.arange(w), indexing="ij", sparse=True)
    cy, cx = 58 + rng.uniform(-2, 2), 56 + rng.uniform(-2, 2)
    joint = 62 + rng.uniform(-2, 2)

    # Soft tissue: an elliptical leg, fat under the skin, air outside.
    leg_r = ((y - cy) / (44 + rng.uniform(-2, 2))) ** 2 + ((x - cx) / (40 + rng.uniform(-2, 2))) ** 2
    ct = np.full(SHAPE, -1000.0, np.float32)
    ct[np.broadcast_to(leg_r <= 1.0, SHAPE)] = -100.0
    ct[np.broadcast_to(leg_r <= 0.78, SHAPE)] = 40.0

    # Femur: a shaft above two condyles that end just above the joint space.
    shaft_r = 11 + rng.uniform(-1, 1)
    femur = (z >= joint + 14) & (((y - cy) / shaft_r) ** 2 + ((x - cx) / shaft_r) ** 2 <= 1.0)
    spread = 11 + rng.uniform(-1, 1)
    for side in (-1, 1):
        femur = femur | _ellipsoid(z, y, x, (joint + 13, cy + 1, cx + side * spread), (11, 15, 12))
    femur = femur & (z >= joint + 3)
    # Tibia: a shaft that widens into a flat plateau just below the joint space.
    t = np.clip((z - (joint - 34)) / 32.0, 0.0, 1.0) ** 2
    tib_r = 10 + rng.uniform(-1, 1) + 15 * t
    tibia = (z <= joint - 1) & (((y - cy) / (0.72 * tib_r)) ** 2 + ((x - cx) / tib_r) ** 2 <= 1.0)
    # Unlabelled bones: the patella in front of the joint, the fibula beside the tibia.
    patella = _ellipsoid(z, y, x, (joint + 16, cy - 27, cx), (9, 4, 8))
    fibula = (z <= joint - 10) & (((y - cy - 4) / 4.5) ** 2 + ((x - cx - 27) / 4.5) ** 2 <= 1.0)

    texture = ndimage.gaussian_filter(rng.standard_normal(SHAPE).astype(np.float32), 1.5)
    texture /= texture.std() + 1e-6
    for bone in (femur, tibia, patella, fibula):
        bone = np.broadcast_to(bone, SHAPE)
        depth = ndimage.distance_transform_edt(bone)
        ct[bone] = 250.0 + 90.0 * texture[bone]
        ct[bone & (depth <= 2.5)] = 1300.0
    ct = ndimage.gaussian_filter(ct, 0.7)  # partial volume at edges
    ct += rng.normal(0.0, 20.0, SHAPE).astype(np.float32)
    mask = np.zeros(SHAPE, np.uint8)
    mask[np.broadcast_to(tibia, SHAPE)] = LABELS["tibia"]
    mask[np.broadcast_to(femur, SHAPE)] = LABELS["femur"]
    return np.clip(np.round(ct), -1024, 3071).astype(np.int16), mask



def build(out_dir: Path, seed: int = 0) -> None:
    """Write ``knee_ct.nii.gz`` and ``bone_segmented.nii.gz`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ct, mask = make_volume(seed)
    write_nifti_gz(ct, out_dir / "knee_ct.nii.gz", SPACING, compresslevel=6)
    write_nifti_gz(mask, out_dir / "bone_segmented.nii.gz", SPACING, compresslevel=6)
