"""The knee_ct phantom: three knees of different sizes and grids, NIfTI geometry, labels, HU
ranges, mirrored right knee, reproducible bytes."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

from common.inflate import find_knee_cases, load_knee_ct
from common.phantoms import knee_ct
from common.phantoms.build import sha256_of
from common.phantoms.nifti import write_nifti_gz


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "knee_ct"
    knee_ct.build(out, seed=0)
    return out


def test_module_contract():
    assert knee_ct.NAME == "knee_ct" and knee_ct.VERSION == 2 and knee_ct.DESCRIPTION
    assert callable(knee_ct.build)
    assert len(knee_ct.CASES) >= 3
    assert len({c.spacing for c in knee_ct.CASES}) == len(knee_ct.CASES), "different grids"
    assert len({c.shape for c in knee_ct.CASES}) == len(knee_ct.CASES), "different sizes"
    assert all(len(set(c.spacing)) > 1 for c in knee_ct.CASES), "anisotropic voxels"


def test_layout_and_geometry(built):
    assert sorted(p.name for p in built.iterdir()) == [c.case_id for c in knee_ct.CASES]
    for case in knee_ct.CASES:
        folder = built / case.case_id
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [f"{case.case_id}.nii.gz", knee_ct.MASK_NAME])
        image = sitk.ReadImage(str(folder / f"{case.case_id}.nii.gz"))
        assert sitk.GetArrayFromImage(image).shape == case.shape
        assert np.allclose(image.GetSpacing(), case.spacing, atol=1e-5)
        nii = nib.load(folder / knee_ct.MASK_NAME)
        assert nii.shape == case.shape[::-1], "NIfTI stores (X, Y, Z)"
        assert nii.get_data_dtype() == np.uint8
    found = find_knee_cases(built)
    assert [c[0] for c in found] == [c.case_id for c in knee_ct.CASES]


def test_labels_and_intensities(built):
    extents = []
    for case_id, ct_path, mask_path in find_knee_cases(built):
        knee = load_knee_ct(ct_path, mask_path, spacing_mm=1.0)
        counts = np.bincount(knee.mask.ravel(), minlength=3)
        assert set(np.unique(knee.mask)) == {0, 1, 2}
        assert counts[1] > 5_000 and counts[2] > 5_000, f"{case_id}: both bones are sizeable"
        # bone is dense; the femur lies above the tibia along D (LPS: D runs foot to head)
        assert knee.ct[knee.mask == 1].mean() > 300 and knee.ct[knee.mask == 2].mean() > 300
        z_tibia = np.nonzero(knee.mask == 1)[0].mean()
        z_femur = np.nonzero(knee.mask == 2)[0].mean()
        assert z_femur > z_tibia + 20, case_id
        # unlabelled bone (patella, fibula) makes part of the background dense as well
        assert (knee.ct[knee.mask == 0] > 700).sum() > 500, case_id
        extents.append(np.ptp(np.nonzero(knee.mask == 2)[0]))
    assert max(extents) > 1.15 * min(extents), "the knees differ in size (in mm)"


def test_right_knee_is_mirrored(built):
    """The fibula (dense, unlabelled, below the joint) lies lateral: +X on a left knee, -X on a
    right one."""
    sides = {}
    for case in knee_ct.CASES:
        folder = built / case.case_id
        ct = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / f"{case.case_id}.nii.gz")))
        mask = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / knee_ct.MASK_NAME)))
        low = slice(0, case.shape[0] // 4)
        fibula_x = np.nonzero((ct[low] > 700) & (mask[low] == 0))[2].mean()
        tibia_x = np.nonzero(mask[low] == 1)[2].mean()
        sides[case.side] = sides.get(case.side, set()) | {bool(fibula_x > tibia_x)}
    assert sides == {"left": {True}, "right": {False}}


def test_same_seed_same_volume_other_seed_differs(tmp_path):
    case = min(knee_ct.CASES, key=lambda c: np.prod(c.shape))
    ct, mask = knee_ct.make_volume(case, seed=5)
    again_ct, again_mask = knee_ct.make_volume(case, seed=5)
    assert np.array_equal(ct, again_ct) and np.array_equal(mask, again_mask)
    for name in ("a", "b"):
        write_nifti_gz(ct, tmp_path / f"{name}.nii.gz", case.spacing)
    assert sha256_of(tmp_path / "a.nii.gz") == sha256_of(tmp_path / "b.nii.gz")
    other_ct, _ = knee_ct.make_volume(case, seed=6)
    assert not np.array_equal(ct, other_ct)
