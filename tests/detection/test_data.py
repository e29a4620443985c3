"""dicom_index: one row per DICOM image, one sentence for a file that is not an image of the set."""

from __future__ import annotations

import shutil

import pydicom
import pytest

from common.detection import dicom_index
from common.errors import DataError
from common.paths import data_root


@pytest.fixture
def two_dicoms(tmp_path):
    source = sorted((data_root() / "cxr" / "train").glob("*.dicom"))[:2]
    assert len(source) == 2, "build the cxr phantom first (make test does)"
    for p in source:
        shutil.copy(p, tmp_path / p.name)
    return tmp_path, source


def test_index_reads_headers(two_dicoms):
    folder, source = two_dicoms
    table = dicom_index(folder)
    assert table["image_id"].tolist() == [p.stem for p in source]
    for row, path in zip(table.itertuples(), source):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        assert (row.patient_id, row.rows, row.columns, row.photometric) == (
            str(ds.PatientID), int(ds.Rows), int(ds.Columns), str(ds.PhotometricInterpretation))


def test_index_names_a_file_without_image_tags(two_dicoms):
    folder, source = two_dicoms
    ds = pydicom.dcmread(folder / source[1].name)
    del ds.PatientID
    ds.save_as(folder / source[1].name)
    with pytest.raises(DataError, match=f"{source[1].name} has no PatientID") as err:
        dicom_index(folder)
    assert "\n" not in str(err.value)


def test_empty_folder_says_how_to_build(tmp_path):
    with pytest.raises(DataError, match="dlmia data build cxr"):
        dicom_index(tmp_path)
