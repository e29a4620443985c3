"""Table readers: VinDr, RSNA, annotations.xlsx, patients.csv, digit CSVs; missing columns and
files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError
from common.io import (read_annotations_xlsx, read_digits_csv, read_patients_csv,
                       read_rsna_boxes, read_vindr_boxes)


def _vindr() -> pd.DataFrame:
    return pd.DataFrame({
        "image_id": ["a1", "a1", "b2"], "class_name": ["Nodule/Mass", "Nodule/Mass", "No finding"],
        "class_id": [8, 8, 14], "rad_id": ["R1", "R2", "R1"],
        "x_min": [10.0, 12.0, np.nan], "y_min": [20.0, 21.0, np.nan],
        "x_max": [30.0, 31.0, np.nan], "y_max": [40.0, 44.0, np.nan]})


def test_vindr_round_trip(tmp_path):
    _vindr().to_csv(tmp_path / "train.csv", index=False)
    table = read_vindr_boxes(tmp_path / "train.csv")
    assert len(table) == 3 and table["x_min"].isna().sum() == 1
    assert table.loc[2, "class_name"] == "No finding"


def test_vindr_finding_without_box(tmp_path):
    bad = _vindr()
    bad.loc[0, "x_min"] = np.nan
    bad.to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(DataError, match="finding without box"):
        read_vindr_boxes(tmp_path / "train.csv")


def test_csv_missing_a_column(tmp_path):
    _vindr().drop(columns=["rad_id"]).to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(DataError, match="missing the column\\(s\\) rad_id") as info:
        read_vindr_boxes(tmp_path / "train.csv")
    assert "\n" not in str(info.value)


def test_rsna_round_trip(tmp_path):
    pd.DataFrame({"patientId": ["p1", "p2"], "x": [10.0, np.nan], "y": [5.0, np.nan],
                  "width": [20.0, np.nan], "height": [30.0, np.nan], "Target": [1, 0]}
                 ).to_csv(tmp_path / "labels.csv", index=False)
    table = read_rsna_boxes(tmp_path / "labels.csv")
    assert table.loc[0, "x_max"] == 30.0 and table.loc[0, "y_max"] == 35.0
    assert np.isnan(table.loc[1, "x_max"])


def test_annotations_xlsx_round_trip(tmp_path):
    table = pd.DataFrame({"patient_id": ["001", "001"], "disc_label": [201, 202],
                          "narrowing": [1, 0]})
    table.to_excel(tmp_path / "annotations.xlsx", index=False)
    back = read_annotations_xlsx(tmp_path / "annotations.xlsx")
    assert list(back["disc_label"]) == [201, 202] and list(back["narrowing"]) == [1, 0]


def test_annotations_xlsx_missing_column(tmp_path):
    pd.DataFrame({"patient_id": ["1"], "disc_label": [201]}).to_excel(
        tmp_path / "annotations.xlsx", index=False)
    with pytest.raises(DataError, match="narrowing"):
        read_annotations_xlsx(tmp_path / "annotations.xlsx")


def test_patients_csv_round_trip_and_duplicates(tmp_path):
    table = pd.DataFrame({"patient_id": ["p1", "p2"], "age": [40, 60], "sex": ["F", "M"],
                          "label": [0, 1], "split": ["train", "test"]})
    table.to_csv(tmp_path / "patients.csv", index=False)
    assert read_patients_csv(tmp_path / "patients.csv").shape == (2, 5)
    pd.concat([table, table.iloc[:1]]).to_csv(tmp_path / "patients.csv", index=False)
    with pytest.raises(DataError, match="more than once"):
        read_patients_csv(tmp_path / "patients.csv")


def test_missing_table(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_patients_csv(tmp_path / "patients.csv")
    with pytest.raises(DataError, match="does not exist"):
        read_annotations_xlsx(tmp_path / "annotations.xlsx")


def test_digits_csv(tmp_path):
    pixels = {f"pixel{i}": [i, 10 + i] for i in range(4)}
    pd.DataFrame({"label": [3, 7], **pixels}).to_csv(tmp_path / "train.csv", index=False)
    labels, images = read_digits_csv(tmp_path / "train.csv")
    assert labels.tolist() == [3, 7] and labels.dtype == np.int64
    assert images.dtype == np.float32 and images.tolist() == [[0, 1, 2, 3], [10, 11, 12, 13]]
    pd.DataFrame(pixels).to_csv(tmp_path / "test.csv", index=False)
    assert read_digits_csv(tmp_path / "test.csv", labelled=False)[0] is None
    with pytest.raises(DataError, match="no 'label' column"):
        read_digits_csv(tmp_path / "test.csv")
    pd.DataFrame({"label": [1], "pixel0": [0], "pixel1": [0]}).to_csv(tmp_path / "odd.csv",
                                                                      index=False)
    with pytest.raises(DataError, match="square image"):
        read_digits_csv(tmp_path / "odd.csv")
