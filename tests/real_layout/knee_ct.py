"""The knee_ct phantom laid out as a real download: knees of any grid, NIfTI and MetaImage.

:func:`make_real_layout` turns a built phantom folder into what a user has after following
``datasets/knee_ct.md``: one folder per knee holding the CT named after the knee and its mask
``bone_segmented.*``, and nothing the phantom builder adds (no manifest, no build marker). The
knees come the ways real scans do:

- the first as it was built (gzipped NIfTI, anisotropic voxels);
- the second as compressed MetaImage (``.mha``), as SimpleITK or 3D Slicer saves it;
- the third re-gridded to thick clinical slices (0.45 x 0.45 x 1.5 mm), stored head to foot (a
  negative Z direction cosine) with a scanner origin, as uncompressed ``.nii``.

Example:
    >>> make_real_layout(datasets / "knee_ct", tmp / "data" / "knee_ct")
"""

from __future__ import annotations

import shutil
from pathlib import Path

import SimpleITK as sitk

from common.inflate import find_knee_cases

__all__ = ["make_real_layout", "THICK_SPACING"]

#: voxel size (X, Y, Z) in mm of the re-gridded third knee.
THICK_SPACING = (0.45, 0.45, 1.5)


def _thick_head_to_foot(image: sitk.Image, nearest: bool) -> sitk.Image:
    """``image`` resampled to :data:`THICK_SPACING`, stored head to foot at a scanner origin."""
    size = [int(round(n * s / t)) for n, s, t in zip(image.GetSize(), image.GetSpacing(),
                                                      THICK_SPACING)]
    top = image.TransformIndexToPhysicalPoint((0, 0, image.GetSize()[2] - 1))
    origin = (top[0] - 118.0, top[1] - 86.5, top[2] - 402.0)   # where a scanner puts the knee
    out = sitk.Resample(image, size, sitk.Transform(),
                        sitk.sitkNearestNeighbor if nearest else sitk.sitkLinear,
                        image.GetOrigin(), THICK_SPACING, image.GetDirection(),
                        0 if nearest else -1000, image.GetPixelID())
    flipped = sitk.Flip(out, [False, False, True])          # slice order reversed ...
    flipped.SetDirection((1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0))   # ... and said so
    flipped.SetOrigin(origin)
    return flipped


def make_real_layout(phantom_dir: Path, out_dir: Path) -> Path:
    """Write the phantom's knees into ``out_dir`` as a real download looks.

    Args:
        phantom_dir: a built ``knee_ct`` phantom folder.
        out_dir: the new dataset folder (created; must not exist).

    Returns:
        ``out_dir``.
    """
    phantom_dir, out_dir = Path(phantom_dir), Path(out_dir)
    out_dir.mkdir(parents=True)
    for i, (case_id, ct_path, mask_path) in enumerate(find_knee_cases(phantom_dir)):
        folder = out_dir / case_id
        folder.mkdir()
        if i % 3 == 0:
            shutil.copyfile(ct_path, folder / f"{case_id}.nii.gz")
            shutil.copyfile(mask_path, folder / "bone_segmented.nii.gz")
            continue
        ct, mask = sitk.ReadImage(str(ct_path)), sitk.ReadImage(str(mask_path))
        if i % 3 == 1:
            sitk.WriteImage(ct, str(folder / f"{case_id}.mha"), useCompression=True)
            sitk.WriteImage(mask, str(folder / "bone_segmented.mha"), useCompression=True)
        else:
            sitk.WriteImage(_thick_head_to_foot(ct, nearest=False), str(folder / f"{case_id}.nii"))
            sitk.WriteImage(_thick_head_to_foot(mask, nearest=True),
                            str(folder / "bone_segmented.nii"))
    return out_dir
