"""The cxr phantom: layout, DICOM encodings, patients, readers, findings, determinism, answer key."""

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
    """True lesion boxes are denser in their middle than just outside once MONOCHROME1 is
    inverted (for most of them: a faint nodule under a rib may not be)."""
    key = read_answer_key("cxr", "test_boxes", root=built).astype({"image_id": str})
    key = key[key.class_name.isin(["Nodule/Mass", "Lung Opacity", "Cardiomegaly"])]
    denser, seen = [], set()
    for _, r in key.iterrows():
        ds = pydicom.dcmread(built / "cxr" / "test" / f"{r.image_id}.dicom")
        v = apply_modality_lut(ds.pixel_array, ds).astype(float)
        if ds.PhotometricInterpretation == "MONOCHROME1":
            v = -v
        x0, y0, x1, y1 = (int(round(c)) for c in (r.x_min, r.y_min, r.x_max, r.y_max))
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        centre = v[cy - 1:cy + 2, cx - 1:cx + 2].mean()
        ring = np.r_[v[max(y0 - 3, 0), x0:x1], v[min(y1 + 2, v.shape[0] - 1), x0:x1],
                     v[y0:y1, max(x0 - 3, 0)], v[y0:y1, min(x1 + 2, v.shape[1] - 1)]].mean()
        denser.append(centre > ring)
        seen.add(ds.PhotometricInterpretation)
    assert seen == {"MONOCHROME1", "MONOCHROME2"}
    assert len(denser) > 20 and np.mean(denser) > 0.8, np.mean(denser)


def test_findings_have_vindr_ids_and_small_nodules(built):
    key = read_answer_key("cxr", "test_boxes", root=built).astype({"image_id": str})
    table = pd.read_csv(built / "cxr" / "train.csv", dtype={"image_id": str})
    for t in (key, table):
        pairs = set(zip(t.class_name, t.class_id))
        assert pairs == {("Cardiomegaly", 3), ("Lung Opacity", 7), ("Nodule/Mass", 8),
                         ("Pleural effusion", 10), ("No finding", 14)}, pairs
    nodules = key[key.class_name == "Nodule/Mass"]
    side = np.minimum(nodules.x_max - nodules.x_min, nodules.y_max - nodules.y_min)
    assert (side < 15).mean() > 0.4 and side.max() > 15          # mostly small, a few masses
    hearts = key[key.class_name == "Cardiomegaly"]
    assert (hearts.x_max - hearts.x_min).min() > 60                # a heart spans the chest
    assert set(key.rad_id) == {cxr.CONSENSUS}


def test_three_readers_per_image_who_disagree(built):
    table = pd.read_csv(built / "cxr" / "train.csv", dtype={"image_id": str})
    readers = table.groupby("image_id").rad_id.agg(lambda r: sorted(set(r)))
    assert readers.map(len).eq(3).all() and set(table.rad_id) <= set(cxr.READERS)
    assert len(set(table.rad_id)) >= 6
    # a reader who marks nothing writes one No finding row; no reader mixes both
    per_reader = table.groupby(["image_id", "rad_id"]).class_name.agg(list)
    assert per_reader.map(lambda c: "No finding" not in c or c == ["No finding"]).all()
    boxed = table.dropna(subset=["x_min"])
    counts = boxed.groupby(["image_id", "class_name"]).rad_id.nunique()
    assert (counts < 3).any() and (counts == 3).any()               # misses, and agreement
    # the same lesion is drawn differently by its readers
    several = boxed.groupby(["image_id", "class_name"]).filter(lambda g: g.rad_id.nunique() == 3)
    spread = several.groupby(["image_id", "class_name"]).x_min.agg(lambda x: x.max() - x.min())
    assert (spread > 0.5).mean() > 0.8


def test_window_leaves_out_the_marker(built):
    """The densest pixels (the lead marker) lie outside the DICOM window; the body inside."""
    for p in sorted((built / "cxr" / "train").glob("*.dicom"))[:6]:
        ds = pydicom.dcmread(p)
        v = apply_modality_lut(ds.pixel_array, ds).astype(float)
        lo = float(ds.WindowCenter) - float(ds.WindowWidth) / 2
        hi = float(ds.WindowCenter) + float(ds.WindowWidth) / 2
        outside = (v < lo) | (v > hi)
        assert 0 < outside.mean() < 0.1, outside.mean()


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
