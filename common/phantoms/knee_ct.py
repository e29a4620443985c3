"""Knee CT phantom: three knees (different patients, sizes, grids), each a CT in Hounsfield units
and its bone label mask, as NIfTI.

Layout (one folder per knee, the seed's file names: the CT named after the knee, the mask
``bone_segmented.nii.gz``)::

    knee_ct/
      K001_left_knee/
        K001_left_knee.nii.gz      int16 CT in HU
        bone_segmented.nii.gz      uint8 labels: 0 background, 1 tibia, 2 femur (same grid)
      K002_right_knee/ ...
      K003_left_knee/ ...

The knees differ in size (scale 0.9 to 1.12), in voxel spacing (0.6 to 1.25 mm, anisotropic) and
so in array shape; :data:`CASES` lists them. The right knee is mirrored (its fibula lies on the
other side). Read a file with SimpleITK (``GetArrayFromImage`` gives (Z, Y, X) = (D, H, W)) or
nibabel. The leg runs along Z: the tibia below the joint space, the femur with its two condyles
above it. Around the bones: muscle (~40 HU), a subcutaneous fat layer (~ -100 HU), air
(-1000 HU), and two *unlabelled* bones, the patella in front of the joint and the fibula beside
the tibia, so that "background" holds some bone too, as in a real scan. Bones have a dense
cortical shell (~1300 HU) around trabecular bone (~250 HU with texture). Sizes are drawn in mm,
so a knee looks the same on any grid. Everything is drawn from ``numpy`` with the seed, and the
gzip streams carry no time stamp, so the same seed gives byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from .nifti import write_nifti_gz

__all__ = ["NAME", "DESCRIPTION", "VERSION", "CASES", "KneeCase", "LABELS", "MASK_NAME",
           "build", "make_volume"]

NAME = "knee_ct"
DESCRIPTION = "three knee CTs in HU (NIfTI) with tibia/femur label masks (lab07)"
VERSION = 2
#: mask label of each bone.
LABELS = {"background": 0, "tibia": 1, "femur": 2}
#: file name of every knee's bone mask.
MASK_NAME = "bone_segmented.nii.gz"
#: field of view in mm along (X, Y, Z) of a knee of scale 1.
_FOV_MM = (78.4, 78.4, 115.2)


@dataclass(frozen=True)
class KneeCase:
    """One phantom knee.

    Attributes:
        case_id: folder and CT file name (``K001_left_knee``).
        scale: size of this patient's knee relative to the first.
        spacing: voxel size in mm along (X, Y, Z), as stored in the NIfTI header.
        side: ``"left"`` or ``"right"`` (a right knee is mirrored along X).
    """

    case_id: str
    scale: float
    spacing: tuple[float, float, float]
    side: str

    @property
    def shape(self) -> tuple[int, int, int]:
        """(D, H, W) = (Z, Y, X) of the volume as SimpleITK returns it."""
        x, y, z = (int(round(f * self.scale / s)) for f, s in zip(_FOV_MM, self.spacing))
        return z, y, x


#: the knees, in build order.
CASES = (
    KneeCase("K001_left_knee", 1.0, (0.7, 0.7, 0.9), "left"),
    KneeCase("K002_right_knee", 0.9, (0.6, 0.6, 1.25), "right"),
    KneeCase("K003_left_knee", 1.12, (0.8, 0.8, 0.6), "left"),
)


def _ellipsoid(z, y, x, centre, radii) -> np.ndarray:
    cz, cy, cx = centre
    rz, ry, rx = radii
    return ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1.0


def make_volume(case: KneeCase = CASES[0], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Draw one knee: CT in HU and the label mask, both (D, H, W) = ``case.shape``.

    Args:
        case: the knee's size, grid and side.
        seed: seeds a ``numpy`` Generator; small shifts of sizes and positions come from it.

    Returns:
        ``(ct, mask)``: int16 HU values and uint8 labels (0 background, 1 tibia, 2 femur).
    """
    rng = np.random.default_rng(seed)
    shape = case.shape
    sx, sy, sz = case.spacing
    s = case.scale
    # voxel centres in mm; a right knee is the mirror image of a left one along X
    z = (np.arange(shape[0]) * sz)[:, None, None]
    y = (np.arange(shape[1]) * sy)[None, :, None]
    x = (np.arange(shape[2]) * sx)[None, None, :]
    cy = s * (40.6 + rng.uniform(-1.4, 1.4))
    cx = s * (39.2 + rng.uniform(-1.4, 1.4))
    joint = s * (55.8 + rng.uniform(-1.8, 1.8))
    lateral = 1.0 if case.side == "left" else -1.0

    # Soft tissue: an elliptical leg, fat under the skin, air outside.
    leg_r = (((y - cy) / (s * (30.8 + rng.uniform(-1.4, 1.4)))) ** 2
             + ((x - cx) / (s * (28.0 + rng.uniform(-1.4, 1.4)))) ** 2)
    ct = np.full(shape, -1000.0, np.float32)
    ct[np.broadcast_to(leg_r <= 1.0, shape)] = -100.0
    ct[np.broadcast_to(leg_r <= 0.78, shape)] = 40.0

    # Femur: a shaft above two condyles that end just above the joint space.
    shaft_r = s * (7.7 + rng.uniform(-0.7, 0.7))
    femur = (z >= joint + s * 12.6) & (((y - cy) / shaft_r) ** 2 + ((x - cx) / shaft_r) ** 2 <= 1.0)
    spread = s * (7.7 + rng.uniform(-0.7, 0.7))
    for side in (-1, 1):
        femur = femur | _ellipsoid(z, y, x, (joint + s * 11.7, cy + s * 0.7, cx + side * spread),
                                   (s * 9.9, s * 10.5, s * 8.4))
    femur = femur & (z >= joint + s * 2.7)
    # Tibia: a shaft that widens into a flat plateau just below the joint space.
    t = np.clip((z - (joint - s * 30.6)) / (s * 28.8), 0.0, 1.0) ** 2
    tib_r = s * (7.0 + rng.uniform(-0.7, 0.7) + 10.5 * t)
    tibia = (z <= joint - s * 0.9) & (((y - cy) / (0.72 * tib_r)) ** 2
                                      + ((x - cx) / tib_r) ** 2 <= 1.0)
    # Unlabelled bones: the patella in front of the joint, the fibula beside the tibia.
    patella = _ellipsoid(z, y, x, (joint + s * 14.4, cy - s * 18.9, cx), (s * 8.1, s * 2.8, s * 5.6))
    fibula = (z <= joint - s * 9.0) & (((y - cy - s * 2.8) / (s * 3.15)) ** 2
                                       + ((x - cx - lateral * s * 18.9) / (s * 3.15)) ** 2 <= 1.0)

    spacing_dhw = (sz, sy, sx)
    texture = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32),
                                      [1.05 / v for v in spacing_dhw])
    texture /= texture.std() + 1e-6
    for bone in (femur, tibia, patella, fibula):
        bone = np.broadcast_to(bone, shape)
        depth = ndimage.distance_transform_edt(bone, sampling=spacing_dhw)
        ct[bone] = 250.0 + 90.0 * texture[bone]
        ct[bone & (depth <= 1.75 * s)] = 1300.0
    ct = ndimage.gaussian_filter(ct, [0.5 / v for v in spacing_dhw])  # partial volume at edges
    ct += rng.normal(0.0, 20.0, shape).astype(np.float32)
    mask = np.zeros(shape, np.uint8)
    mask[np.broadcast_to(tibia, shape)] = LABELS["tibia"]
    mask[np.broadcast_to(femur, shape)] = LABELS["femur"]
    return np.clip(np.round(ct), -1024, 3071).astype(np.int16), mask


def build(out_dir: Path, seed: int = 0) -> None:
    """Write ``<case>/<case>.nii.gz`` and ``<case>/bone_segmented.nii.gz`` for every knee."""
    out_dir = Path(out_dir)
    for i, case in enumerate(CASES):
        folder = out_dir / case.case_id
        folder.mkdir(parents=True, exist_ok=True)
        ct, mask = make_volume(case, seed=seed * 1000 + i)
        write_nifti_gz(ct, folder / f"{case.case_id}.nii.gz", case.spacing, compresslevel=6)
        write_nifti_gz(mask, folder / MASK_NAME, case.spacing, compresslevel=6)
