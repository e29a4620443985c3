"""lab07 on knee_ct laid out as a real download: knees of other grids and formats, no manifest.

The folder is made from the phantom by :func:`tests.real_layout.knee_ct.make_real_layout`; lab07's
smoke configuration runs on it to the end, and the folder is byte-for-byte the same afterwards.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from common.inflate import find_knee_cases, load_knee_cases
from common.phantoms import knee_ct
from real_layout.smoke import run_smoke_untouched
from real_layout.knee_ct import THICK_SPACING, make_real_layout

LAB = "lab07_inflated_densenet"


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    """``<root>/knee_ct`` in the real layout, made from the phantom."""
    phantom = tmp_path_factory.mktemp("phantom") / "knee_ct"
    knee_ct.build(phantom, seed=0)
    root = tmp_path_factory.mktemp("real")
    make_real_layout(phantom, root / "knee_ct")
    return root, phantom


def test_layout_is_real(real_root):
    root, _ = real_root
    folder = root / "knee_ct"
    assert sorted(p.name for p in root.iterdir()) == ["knee_ct"], "no manifest"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == sorted([
        "K001_left_knee.nii.gz", "bone_segmented.nii.gz", "K002_right_knee.mha",
        "bone_segmented.mha", "K003_left_knee.nii", "bone_segmented.nii"]), "no build marker"
    thick = sitk.ReadImage(str(folder / "K003_left_knee" / "K003_left_knee.nii"))
    assert np.allclose(thick.GetSpacing(), THICK_SPACING, atol=1e-4)
    assert thick.GetDirection()[8] < 0, "stored head to foot"
    spacings = {tuple(np.round(sitk.ReadImage(str(ct)).GetSpacing(), 3))
                for _, ct, _ in find_knee_cases(folder)}
    assert len(spacings) == 3 and all(len(set(s)) > 1 for s in spacings), "anisotropic, all different"


def test_knees_read_back_on_one_grid_like_the_phantom(real_root):
    root, phantom = real_root
    real = load_knee_cases(root / "knee_ct", spacing_mm=2.0)
    original = load_knee_cases(phantom, spacing_mm=2.0)
    assert [k.case_id for k in real] == [k.case_id for k in original]
    for a, b in zip(real, original):
        assert a.spacing == (2.0, 2.0, 2.0)
        # the same anatomy in mm: bone volumes agree within the re-gridding's partial volume
        for label in (1, 2):
            va, vb = (a.mask == label).sum(), (b.mask == label).sum()
            assert abs(int(va) - int(vb)) <= 0.15 * vb, (a.case_id, label, va, vb)
        # the femur above the tibia, whichever way the slices were stored
        assert np.nonzero(a.mask == 2)[0].mean() > np.nonzero(a.mask == 1)[0].mean()


@pytest.mark.slow
def test_lab07_smoke_runs_on_the_real_layout_and_leaves_it_untouched(real_root, tmp_path):
    root, _ = real_root
    run = run_smoke_untouched(LAB, root, tmp_path / "runs")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["knees"] == 3 and metrics["weights"] in ("imagenet", "trained-on-slices")
    assert -1.0 <= metrics["cos_gap_block4"] <= 2.0
    assert (run / "similarities.csv").is_file()
