"""Readers' boxes merged by weighted box fusion and a majority vote; the VinDr and RSNA layouts;
the class set from the table; the energy of a CAM inside boxes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.detection import class_set, find_layout, merge_readers, read_boxes
from common.detection.cam import energy_in_boxes
from common.errors import DataError

COLUMNS = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]


def _table(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def test_two_of_three_readers_keep_a_box_and_corners_are_averaged():
    table = _table([
        ["a", "Nodule/Mass", 8, "R1", 10, 10, 20, 20],
        ["a", "Nodule/Mass", 8, "R2", 12, 12, 22, 22],
        ["a", "No finding", 14, "R3", np.nan, np.nan, np.nan, np.nan],
        ["a", "Lung Opacity", 7, "R3", 50, 50, 80, 80],             # one reader only: dropped
        ["b", "No finding", 14, "R1", np.nan, np.nan, np.nan, np.nan],
        ["b", "No finding", 14, "R4", np.nan, np.nan, np.nan, np.nan],
        ["b", "Cardiomegaly", 3, "R5", 30, 40, 90, 80],               # one of three: dropped
    ])
    out = merge_readers(table, {"a": (100, 100), "b": (100, 100)})
    a = out[out.image_id == "a"]
    assert a.class_name.tolist() == ["Nodule/Mass"]
    assert a[["x_min", "y_min", "x_max", "y_max"]].iloc[0].tolist() == pytest.approx([11, 11, 21, 21], abs=0.11)
    b = out[out.image_id == "b"]
    assert b.class_name.tolist() == ["No finding"] and b.x_min.isna().all()
    assert set(out.rad_id) == {"merged"} and out.image_id.tolist()[0] == "a"


def test_far_apart_boxes_stay_apart_and_classes_do_not_mix():
    table = _table([
        ["a", "Nodule/Mass", 8, r, x, 10, x + 10, 20] for r in ("R1", "R2") for x in (10, 60)
    ] + [["a", "Lung Opacity", 7, r, 10, 10, 20, 20] for r in ("R1", "R2")])
    out = merge_readers(table, {"a": (100, 100)})
    assert sorted(out.class_name) == ["Lung Opacity", "Nodule/Mass", "Nodule/Mass"]


def test_single_reader_table_passes_and_missing_size_is_named():
    rsna = _table([["p", "Lung Opacity", 7, "", 1, 2, 3, 4], ["q", "No finding", 14, "", *[np.nan] * 4]])
    assert merge_readers(rsna, {}).equals(rsna)
    two = _table([["a", "Nodule/Mass", 8, "R1", 1, 1, 5, 5], ["a", "No finding", 14, "R2", *[np.nan] * 4]])
    with pytest.raises(DataError, match="no image size"):
        merge_readers(two, {})


def test_layouts_and_class_set(tmp_path):
    vindr = tmp_path / "vindr"
    (vindr / "train").mkdir(parents=True)
    _table([["a", "Aortic enlargement", 0, "R1", 1, 1, 9, 9], ["a", "Nodule/Mass", 8, "R2", 1, 1, 5, 5],
            ["b", "No finding", 14, "R1", *[np.nan] * 4]]).to_csv(vindr / "train.csv", index=False)
    layout = find_layout(vindr)
    assert layout["kind"] == "vindr" and layout["test"] is None
    assert class_set(read_boxes(layout)) == {"Aortic enlargement": 0, "Nodule/Mass": 8}
    rsna = tmp_path / "rsna"
    (rsna / "stage_2_train_images").mkdir(parents=True)
    (rsna / "stage_2_test_images").mkdir()
    pd.DataFrame({"patientId": ["p", "q"], "x": [1, np.nan], "y": [2, np.nan], "width": [3, np.nan],
                  "height": [4, np.nan], "Target": [1, 0]}).to_csv(rsna / "stage_2_train_labels.csv", index=False)
    layout = find_layout(rsna)
    assert layout["kind"] == "rsna" and layout["test"] == rsna / "stage_2_test_images"
    assert class_set(read_boxes(layout)) == {"Lung Opacity": 7}
    with pytest.raises(DataError, match="neither the VinDr-CXR layout"):
        find_layout(tmp_path)


def test_energy_in_boxes():
    cam = np.zeros((10, 20))
    cam[2:4, 5:10] = 1.0
    energy, area = energy_in_boxes(cam, [[5, 2, 10, 4], [6, 2, 8, 4]])      # overlapping: counted once
    assert energy == pytest.approx(1.0) and area == pytest.approx(10 / 200)
    flat = np.ones((10, 20))
    energy, area = energy_in_boxes(flat, [[0, 0, 10, 5]])
    assert energy == pytest.approx(area) == pytest.approx(0.25)
    assert np.isnan(energy_in_boxes(np.zeros((4, 4)), [[0, 0, 2, 2]])[0])
