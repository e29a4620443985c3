"""lab05 on cxr laid out as the VinDr-CXR download: no manifest, no answer key, real file and
column names, several readers per image, MONOCHROME1 among the images.

The folder is made from a small phantom by :func:`tests.real_layout.cxr.make_real_layout`; the
lab's smoke configuration runs on it to the end, and the folder is byte-for-byte the same
afterwards.
"""

from __future__ import annotations

import json

import pandas as pd
import pydicom
import pytest

from common.detection import class_set, dicom_index, find_layout, merge_readers, read_boxes
from common.phantoms import cxr
from real_layout.smoke import run_smoke_untouched, small_phantom
from real_layout.cxr import make_real_layout, real_name

SPLITS = {"train": 8, "test": 2}
LAB = "lab05_cxr_detection"


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    return small_phantom(cxr, tmp_path_factory.mktemp("phantom") / "cxr", _SPLITS=SPLITS)


@pytest.fixture(scope="module")
def real_root(phantom, tmp_path_factory):
    root = tmp_path_factory.mktemp("real_vindr")
    make_real_layout(phantom, root / "cxr")
    return root


def test_layout_is_real(real_root, phantom):
    folder = real_root / "cxr"
    assert sorted(p.name for p in real_root.iterdir()) == ["cxr"], "no answer keys, no manifest"
    assert sorted(p.name for p in folder.iterdir()) == ["sample_submission.csv", "test", "train",
                                                        "train.csv"]
    table = pd.read_csv(folder / "train.csv", dtype={"image_id": str})
    assert list(table.columns) == ["image_id", "class_name", "class_id", "rad_id", "x_min",
                                   "y_min", "x_max", "y_max"]
    files = sorted((folder / "train").iterdir())
    assert {p.stem for p in files} == set(table.image_id)
    assert all(p.suffix == ".dicom" and len(p.stem) == 32 for p in files)
    assert table.groupby("image_id").rad_id.nunique().min() == 3
    photometric = {pydicom.dcmread(p, stop_before_pixels=True).PhotometricInterpretation for p in files}
    assert photometric == {"MONOCHROME1", "MONOCHROME2"}
    sample = pd.read_csv(folder / "sample_submission.csv", dtype=str)
    assert sorted(sample.image_id) == sorted(p.stem for p in (folder / "test").iterdir())
    original = pd.read_csv(phantom / "train.csv", dtype={"image_id": str})
    assert sorted(map(real_name, original.image_id)) == sorted(table.image_id)


def test_reads_back_as_the_phantom(real_root):
    layout = find_layout(real_root / "cxr")
    assert layout["kind"] == "vindr"
    raw = read_boxes(layout)
    index = dicom_index(layout["train"])
    merged = merge_readers(raw, {r.image_id: (r.rows, r.columns) for r in index.itertuples()})
    assert set(merged.image_id) == set(index.image_id) and set(merged.rad_id) == {"merged"}
    assert set(class_set(raw).values()) <= set(cxr.CLASSES.values())


@pytest.mark.slow
def test_lab_smoke_runs_on_the_real_layout_and_leaves_it_untouched(real_root, tmp_path):
    run = run_smoke_untouched(LAB, real_root, tmp_path / "runs")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["layout"] == "vindr" and metrics["leaderboard_map50"] is None
    assert 0 <= metrics["map50"] <= 1 and 0 <= metrics["map50_baseline"] <= 1
    executed = (run / f"{LAB}.ipynb").read_text()
    assert "No answer key for these test images" in executed
    sub = pd.read_csv(run / "submission.csv", dtype=str, keep_default_na=False)
    assert sorted(sub.image_id) == sorted(p.stem for p in (real_root / "cxr" / "test").iterdir())
