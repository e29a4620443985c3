"""The knee_ct phantom: layout, NIfTI geometry, labels, HU ranges, byte-identical rebuilds."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from common.inflate import load_knee_ct
from common.phantoms import knee_ct
from common.phantoms.build import sha256_of


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "knee_ct"
    knee_ct.build(out, seed=0)
    return out


def test_module_contract():
    assert knee_ct.NAME == "knee_ct" and knee_ct.VERSION == 1 and knee_ct.DESCRIPTION
    assert callable(knee_ct.build)


def test_layout_and_geometry(built):
    assert sorted(p.name for p in built.iterdir()) == ["bone_segmented.nii.gz", "knee_ct.nii.gz"]
    image = sitk.ReadImage(str(built / "knee_ct.nii.gz"))
    assert sitk.GetArrayFromImage(image).shape == knee_ct.SHAPE
    assert np.allclose(image.GetSpacing(), knee_ct.SPACING, atol=1e-5)
    nii = nib.load(built / "bone_segmented.nii.gz")
    assert nii.shape == knee_ct.SHAPE[::-1], "NIfTI stores (X, Y, Z)"
    assert nii.get_data_dtype() == np.uint8


def test_labels_and_intensities(built):
    knee = load_knee_ct(built)
    counts = np.bincount(knee.mask.ravel(), minlength=3)
    assert set(np.unique(knee.mask)) == {0, 1, 2}
    assert counts[1] > 10_000 and counts[2] > 10_000, "both bones are sizeable"
    # bone is dense; air surrounds the leg; the femur lies above the tibia along D
    assert knee.ct[knee.mask == 1].mean() > 300 and knee.ct[knee.mask == 2].mean() > 300
    assert knee.ct[0, 0, 0] < -900
    z_tibia = np.nonzero(knee.mask == 1)[0].mean()
    z_femur = np.nonzero(knee.mask == 2)[0].mean()
    assert z_femur > z_tibia + 20
    # unlabelled bone (patella, fibula) makes part of the background dense as well
    assert (knee.ct[knee.mask == 0] > 700).sum() > 500


def test_same_seed_same_bytes_other_seed_differs(built, tmp_path):
    again = tmp_path / "again"
    knee_ct.build(again, seed=0)
    for name in ("knee_ct.nii.gz", "bone_segmented.nii.gz"):
        assert sha256_of(again / name) == sha256_of(built / name), name
    other = tmp_path / "other"
    knee_ct.build(other, seed=1)
    assert sha256_of(other / "knee_ct.nii.gz") != sha256_of(built / "knee_ct.nii.gz")
