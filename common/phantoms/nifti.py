"""A reproducible NIfTI writer for the phantoms: same array → same bytes."""

from __future__ import annotations

import gzip
from pathlib import Path

import nibabel as nib
import numpy as np

__all__ = ["write_nifti_gz"]


def write_nifti_gz(array_dhw: np.ndarray, path: Path, spacing: tuple[float, float, float],
                   compresslevel: int = 6) -> None:
    """Write a (D, H, W) array as ``.nii.gz`` (stored (X, Y, Z), axis-aligned, in mm).

    The gzip stream carries no time stamp or file name, so the same array and spacing give
    byte-identical files (nibabel's own ``.nii.gz`` writer stamps the time).

    Args:
        array_dhw: the volume in (Z, Y, X) order, as the course's readers return it.
        path: where to write.
        spacing: voxel size in mm along (X, Y, Z).
        compresslevel: gzip level (1 is fastest, 9 smallest).
    """
    affine = np.diag([*spacing, 1.0])
    image = nib.Nifti1Image(np.ascontiguousarray(array_dhw.transpose(2, 1, 0)), affine)
    image.header.set_xyzt_units("mm")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                  mtime=0, compresslevel=compresslevel) as fh:
        fh.write(image.to_bytes())
