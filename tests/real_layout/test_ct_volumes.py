"""lab02 and lab03 on ct_volumes laid out as a real collection: DICOM series, no answer key.

The folder is made from a small phantom by :func:`tests.real_layout.ct_volumes.make_real_layout`;
each lab's smoke configuration runs on it to the end, and the folder is byte-for-byte the same
afterwards.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from common.classification import load_ct_volumes
from common.io import list_dicom_files, read_dicom_header
from common.phantoms import ct_volumes
from common.phantoms.nifti import write_nifti_gz
from real_layout.smoke import run_smoke_untouched, small_phantom
from real_layout.ct_volumes import PATIENT_PREFIX, make_real_layout

N_PATIENTS = 40


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    """``<root>/ct_volumes`` in the real layout, made from a 40-patient phantom."""
    phantom = tmp_path_factory.mktemp("phantom")
    small_phantom(ct_volumes, phantom / "ct_volumes", N_PATIENTS=N_PATIENTS)
    root = tmp_path_factory.mktemp("real")
    make_real_layout(phantom / "ct_volumes", root / "ct_volumes")
    return root, phantom


def test_layout_is_real(real_root):
    root, phantom = real_root
    folder = root / "ct_volumes"
    assert sorted(p.name for p in root.iterdir()) == ["ct_volumes"], "no answer keys, no manifest"
    assert sorted(p.name for p in folder.iterdir()) == ["patients.csv", "volumes"]
    table = pd.read_csv(folder / "patients.csv")
    assert list(table.columns) == ["patient_id", "age", "sex", "label", "split"]
    assert table["patient_id"].str.startswith(PATIENT_PREFIX).all()
    assert table["label"].notna().all() and set(table["split"]) == {"train", "val", "test"}
    series = sorted((folder / "volumes").iterdir())
    assert [p.name for p in series] == sorted(table["patient_id"]) and all(p.is_dir() for p in series)
    files = list_dicom_files(series[0])
    z = [float(read_dicom_header(f).ImagePositionPatient[2]) for f in sorted(files)]
    assert len(files) == ct_volumes.SHAPE[0] and z != sorted(z), "file order is not slice order"


def test_series_read_back_as_the_phantom_in_hu(real_root, tmp_path):
    root, phantom = real_root
    real = load_ct_volumes(root / "ct_volumes")
    original = load_ct_volumes(phantom / "ct_volumes")
    ids = {f"{PATIENT_PREFIX}{p[1:]}": i for i, p in enumerate(original.patients["patient_id"])}
    rows = [ids[p] for p in real.patients["patient_id"]]
    np.testing.assert_array_equal(real.volumes, original.volumes[rows])
    assert real.evaluation_split() == "test" and original.evaluation_split() == "val"
    # a mix of NIfTI volumes and DICOM series in one folder reads too
    mixed = tmp_path / "ct_volumes"
    (mixed / "volumes").mkdir(parents=True)
    first = real.patients["patient_id"][0]
    write_nifti_gz(np.zeros(ct_volumes.SHAPE, np.int16), mixed / "volumes" / f"{first}.nii.gz",
                   ct_volumes.SPACING)
    real.patients.head(1).to_csv(mixed / "patients.csv", index=False)
    assert load_ct_volumes(mixed).volumes.shape == (1, *ct_volumes.SHAPE)


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["lab02_slice_classification", "lab03_fusion_strategies"])
def test_lab_smoke_runs_on_the_real_layout_and_leaves_it_untouched(real_root, lab, tmp_path):
    root, _ = real_root
    run = run_smoke_untouched(lab, root, tmp_path / "runs", timeout=600)
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["evaluation_split"] == "test" and metrics["backbone_weights"] in ("random", "imagenet")
    aucs = [k for k in metrics if k.startswith("auc_") and not k.endswith(("_ci_low", "_ci_high"))]
    assert aucs and all(f"{k}_ci_low" in metrics and f"{k}_ci_high" in metrics for k in aucs)
    executed = (run / f"{lab}.ipynb").read_text()
    assert "No answer key in this data folder" in executed
