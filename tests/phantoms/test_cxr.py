"""The cxr phantom: layout, DICOM encodings, patients, determinism, answer key."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.pixels import apply_modality_lut

from common.phantoms import cxr
from common.answer_keys import read_answer_key


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    cxr.build(root / "cxr", seed=0)
    return root


def test_layout_and_columns(built):
    table = pd.read_csv(built / "cxr" / "train.csv", dtype={"image_id": str})
    assert list(table.columns) == cxr.COLUMNS
    files = sorted((built / "cxr" / "train").glob("*.dicom"))
    assert {p.stem for p in files} == set(table.image_id)
    none = table[table.class_name == "No finding"]
    assert len(none) > 0 and none[["x_min", "y_min", "x_max", "y_max"]].isna().all().all()
    boxed = table.dropna(subset=["x_min"])
    assert set(boxed.class_id) == set(cxr.CLASSES.values())
    assert (boxed.x_max > boxed.x_min).all() and (boxed.y_max > boxed.y_min).all()
    assert list((built / "cxr" / "test").glob("*.dicom"))
    assert not (built / "cxr" / "test.csv").exists()


def test_answer_key_matches_test_files(built):
    key = read_answer_key("cxr", "test_boxes", root=built).astype({"image_id": str})
    stems = {p.stem for p in (built / "cxr" / "test").glob("*.dicom")}
    assert set(key.image_id) == stems


def test_dicom_encodings_vary_and_patients_repeat(built):
    headers = [pydicom.dcmread(p, stop_before_pixels=True)
               for p in sorted((built / "cxr" / "train").glob("*.dicom"))]
    assert {h.PhotometricInterpretation for h in headers} == {"MONOCHROME1", "MONOCHROME2"}
    assert {int(h.BitsStored) for h in headers} == {12, 14, 16}
    assert len({float(h.RescaleSlope) for h in headers}) > 1
    patients = pd.Series([h.PatientID for h in headers]).value_counts()
    assert patients.min() >= 2
    assert all("ImagerPixelSpacing" in h and "PixelSpacing" in h for h in headers)
    train_patients = set(patients.index)
    test_patients = {pydicom.dcmread(p, stop_before_pixels=True).PatientID
                     for p in (built / "cxr" / "test").glob("*.dicom")}
    assert not train_patients & test_patients


def test_monochrome1_is_inverted(built):
    """Lesion boxes are denser than their surroundings once MONOCHROME1 is inverted."""
    table = pd.read_csv(built / "cxr" / "train.csv", dtype={"image_id": str}).dropna(subset=["x_min"])
    seen = set()
    for _, r in table.iterrows():
        ds = pydicom.dcmread(built / "cxr" / "train" / f"{r.image_id}.dicom")
        v = apply_modality_lut(ds.pixel_array, ds).astype(float)
        if ds.PhotometricInterpretation == "MONOCHROME1":
            v = -v
        x0, y0, x1, y1 = (int(round(c)) for c in (r.x_min, r.y_min, r.x_max, r.y_max))
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        centre = v[cy - 1:cy + 2, cx - 1:cx + 2].mean()
        ring = np.r_[v[max(y0 - 4, 0), x0:x1], v[min(y1 + 3, v.shape[0] - 1), x0:x1]].mean()
        assert centre > ring, (r.image_id, r.class_name)
        seen.add(ds.PhotometricInterpretation)
        if len(seen) == 2 and len(table) > 40:
            break


def test_same_seed_same_bytes(tmp_path):
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    img_a, les_a = cxr.render_image(rng_a)
    img_b, les_b = cxr.render_image(rng_b)
    assert np.array_equal(img_a, img_b) and les_a == les_b


@pytest.mark.slow
def test_build_is_byte_identical(tmp_path):
    def digest(root):
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}
    cxr.build(tmp_path / "a" / "cxr", seed=1)
    cxr.build(tmp_path / "b" / "cxr", seed=1)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
