"""The ct_volumes phantom: layout, hidden test labels, determinism, and a measurable lesson."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from common.classification import load_ct_volumes
from common.phantoms import ct_volumes
from common.answer_keys import read_answer_key
from common.phantoms.build import sha256_of


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    patch = pytest.MonkeyPatch()
    patch.setattr(ct_volumes, "N_PATIENTS", 30)
    root = tmp_path_factory.mktemp("data")
    ct_volumes.build(root / "ct_volumes", seed=0)
    patch.undo()
    return root / "ct_volumes"


def test_module_contract():
    assert ct_volumes.NAME == "ct_volumes" and ct_volumes.VERSION == 2 and ct_volumes.DESCRIPTION


def test_layout_and_geometry(built):
    table = pd.read_csv(built / "patients.csv", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["patient_id", "age", "sex", "label", "split"]
    assert len(table) == 30 and set(table["sex"]) <= {"M", "F"}
    assert sorted(p.name for p in (built / "volumes").iterdir()) == \
        sorted(f"{p}.nii.gz" for p in table["patient_id"])
    nii = nib.load(built / "volumes" / "P0000.nii.gz")
    assert nii.shape == ct_volumes.SHAPE[::-1], "NIfTI stores (X, Y, Z)"
    assert np.allclose(nii.header.get_zooms(), ct_volumes.SPACING)
    assert nii.get_data_dtype() == np.int16


def test_test_labels_are_hidden(built):
    table = pd.read_csv(built / "patients.csv", dtype=str, keep_default_na=False)
    test = table[table["split"] == "test"]
    assert len(test) > 0 and (test["label"] == "").all(), "test labels must not be in patients.csv"
    assert set(table.loc[table["split"] != "test", "label"]) <= {"0", "1"}
    key = read_answer_key("ct_volumes", "labels", root=built.parent)
    assert list(key["patient_id"]) == list(test["patient_id"])
    assert set(key["label"]) <= {0, 1}


def test_loader_reads_volumes(built):
    data = load_ct_volumes(built)
    assert data.volumes.shape == (30, *ct_volumes.SHAPE) and data.volumes.dtype == np.float32
    assert 0.0 <= data.volumes.min() and data.volumes.max() <= 1.0
    assert (data.patients.loc[data.patients["split"] == "test", "label"] == -1).all()


def test_same_seed_same_bytes(built, tmp_path, monkeypatch):
    monkeypatch.setattr(ct_volumes, "N_PATIENTS", 30)
    ct_volumes.build(tmp_path / "ct_volumes", seed=0)
    for name in ("patients.csv", "volumes/P0000.nii.gz", "volumes/P0029.nii.gz"):
        assert sha256_of(built / name) == sha256_of(tmp_path / "ct_volumes" / name)


def test_lesion_is_on_the_key_slice_and_spans_slices():
    patients = ct_volumes.draw_patients(seed=0, n=4)
    row = patients.iloc[0].copy()
    row["thickness"], row["radius"] = 3.5, 7.0
    vol = ct_volumes.make_volume(row, np.random.default_rng(0)).astype(float)
    yc, xc = int(round(row["y_centre"])), int(round(row["x_centre"]))
    k = ct_volumes.KEY_SLICE
    centre = [vol[z, yc - 2:yc + 3, xc - 2:xc + 3].mean() for z in range(vol.shape[0])]
    assert centre[k] > 150 and centre[k + 2] > 150 and centre[0] < 80


def test_lesion_stands_out_of_the_texture():
    """The lesion is far brighter than the soft-tissue texture, so a small CNN can find it."""
    patients = ct_volumes.draw_patients(seed=0, n=4)
    row = patients.iloc[1].copy()
    vol = ct_volumes.make_volume(row, np.random.default_rng(1)).astype(float)
    k = ct_volumes.KEY_SLICE
    yc, xc = int(round(row["y_centre"])), int(round(row["x_centre"]))
    lesion = vol[k, yc - 1:yc + 2, xc - 1:xc + 2].mean()
    body = vol[0, 16:48, 16:48]
    assert lesion - np.median(body) > 5 * ct_volumes.NOISE_HU
    assert lesion > np.percentile(body, 99), "no texture blob may be as bright as the lesion"


def _auc(frame, columns):
    X = frame[columns].to_numpy(float)
    model = LogisticRegression(max_iter=1000).fit(X[:600], frame["label"][:600])
    return roc_auc_score(frame["label"][600:], model.predict_proba(X[600:])[:, 1])


def test_lesson_metadata_and_thickness_each_help():
    frame = ct_volumes.draw_patients(seed=0, n=1200)
    frame["male"] = (frame["sex"] == "M").astype(float)
    key_slice = _auc(frame, ["radius"])
    image = _auc(frame, ["radius", "thickness"])
    fused = _auc(frame, ["radius", "thickness", "age", "male"])
    assert image >= key_slice + 0.05, "thickness (adjacent slices) must add signal"
    assert fused >= image + 0.05, "age and sex must add signal no image holds"
