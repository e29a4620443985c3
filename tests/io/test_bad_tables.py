"""Bad-input corpus of the table readers, generated at test time.

Every CSV reader gets the same file-level faults (encodings, separators, extra values, repeated or
missing columns, empty files) and its own value faults (text where numbers belong, NaN,
infinity, ranges, duplicates); ``annotations.xlsx`` gets workbook faults. Each raises exactly one
:class:`DataError` sentence naming the file; accepted variants (a trailing comma on the first
row, a byte-order mark, CRLF, ids such as ``"001"`` and ``"NA"``) read to the exact same table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.errors import DataError
from common.io import (read_annotations_xlsx, read_digits_csv, read_patients_csv, read_rsna_boxes,
                       read_vindr_boxes, require_columns)

from .conftest import expect_data_error

BASES = {
    "vindr": (read_vindr_boxes,
              "image_id,class_name,class_id,rad_id,x_min,y_min,x_max,y_max\n"
              "a1,Nodule/Mass,8,R1,10.0,20.0,30.0,40.0\n"
              "001,Nodule/Mass,8,R2,12.0,21.0,31.0,44.0\n"
              "NA,No finding,14,R1,,,,\n"),
    "rsna": (read_rsna_boxes,
             "patientId,x,y,width,height,Target\n"
             "p1,10.0,5.0,20.0,30.0,1\n"
             "007,,,,,0\n"
             "NA,1.5,2.5,3.0,4.0,1\n"),
    "patients": (read_patients_csv,
                 "patient_id,age,sex,label,split\n"
                 "001,40,F,0,train\n"
                 "NA,60,M,1,val\n"
                 "p3,55,F,,test\n"),
    "digits": (read_digits_csv,
               "label,pixel0,pixel1,pixel2,pixel3\n"
               "3,0,1,2,3\n"
               "7,10,11,12,255\n"
               "0,0,0,0,0\n"),
}


def _write(tmp_path, content, name="table.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _lines(text):
    return text.rstrip("\n").split("\n")


def _rows(text, change):
    """Apply ``change(k, fields)`` to each data row k (from 1)."""
    lines = _lines(text)
    out = [lines[0]]
    for k, line in enumerate(lines[1:], start=1):
        out.append(",".join(change(k, line.split(","))))
    return "\n".join(out) + "\n"


def _same(first, second):
    if isinstance(first, tuple):  # read_digits_csv
        for a, b in zip(first, second):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
    else:
        pd.testing.assert_frame_equal(first, second)


# --- Accepted variants: the exact same table ---------------------------------------------------------

ACCEPTED = {
    "trailing_comma_first_row": lambda t: _rows(t, lambda k, f: f + [""] if k == 1 else f),
    "trailing_comma_every_row": lambda t: _rows(t, lambda k, f: f + [""]),
    "utf8_byte_order_mark": lambda t: "\ufeff" + t,
    "crlf_line_ends": lambda t: t.replace("\n", "\r\n"),
    "blank_line_at_the_end": lambda t: t + "\n\n",
    "no_final_newline": lambda t: t.rstrip("\n"),
}


@pytest.mark.parametrize("variant", ACCEPTED)
@pytest.mark.parametrize("table", BASES)
def test_accepted_variants_read_exactly(tmp_path, table, variant):
    reader, base = BASES[table]
    expected = reader(_write(tmp_path, base, "base.csv"))
    _same(reader(_write(tmp_path, ACCEPTED[variant](base))), expected)


def test_trailing_comma_does_not_shift_columns(tmp_path):
    """pandas alone makes image_id the index and shifts every column left by one."""
    reader, base = BASES["vindr"]
    text = ACCEPTED["trailing_comma_first_row"](base)
    naive = pd.read_csv(_write(tmp_path, text, "naive.csv"))
    assert naive.loc[naive.index[0], "image_id"] != "a1"  # the trap
    table = reader(_write(tmp_path, text))
    assert table["image_id"].tolist() == ["a1", "001", "NA"]
    assert table["class_id"].tolist() == [8, 8, 14] and table["y_max"].iloc[1] == 44.0


def test_ids_stay_text(tmp_path):
    vindr = read_vindr_boxes(_write(tmp_path, BASES["vindr"][1]))
    assert vindr["image_id"].tolist() == ["a1", "001", "NA"]
    assert vindr["class_id"].dtype == np.int64 and vindr["x_min"].dtype == np.float64
    assert vindr["x_min"].isna().tolist() == [False, False, True]
    patients = read_patients_csv(_write(tmp_path, BASES["patients"][1]))
    assert patients["patient_id"].tolist() == ["001", "NA", "p3"]
    assert patients["age"].dtype == np.int64 and patients["label"].dtype == np.float64
    rsna = read_rsna_boxes(_write(tmp_path, BASES["rsna"][1]))
    assert rsna["patientId"].tolist() == ["p1", "007", "NA"]
    assert rsna["x_max"].tolist()[0] == 30.0 and rsna["Target"].dtype == np.int64
    labels, pixels = read_digits_csv(_write(tmp_path, BASES["digits"][1]))
    assert labels.tolist() == [3, 7, 0] and pixels.dtype == np.float32
    assert pixels[1].tolist() == [10.0, 11.0, 12.0, 255.0]


# --- File-level faults, every CSV reader -------------------------------------------------------------

def _latin1(text):
    lines = _lines(text)
    lines[0] += ",note"
    lines[1:] = [line + ",caf\u00e9" for line in lines[1:]]
    return ("\n".join(lines) + "\n").encode("latin-1")


FILE_FAULTS = {
    "extra_value_in_first_row": (lambda t: _rows(t, lambda k, f: f + ["999"] if k == 1 else f),
                                 "more values than its header"),
    "extra_value_in_later_row": (lambda t: _rows(t, lambda k, f: f + ["999"] if k == 2 else f),
                                 "line 3 has"),
    "trailing_comma_on_a_later_row_only": (
        lambda t: _rows(t, lambda k, f: f + [""] if k == 2 else f), "line 3 has"),
    "semicolons": (lambda t: t.replace(",", ";"), "semicolons"),
    "tabs": (lambda t: t.replace(",", "\t"), "tabs"),
    "latin1": (_latin1, "not UTF-8"),
    "utf16": (lambda t: t.encode("utf-16"), "not UTF-8"),
    "empty_file": (lambda t: b"", "empty"),
    "blank_lines_only": (lambda t: "\n\n\n", "no header row"),
    "header_only": (lambda t: _lines(t)[0] + "\n", "no rows"),
    "repeated_column": (lambda t: "\n".join(line + "," + line.split(",")[1]
                                            for line in _lines(t)) + "\n", "more than once"),
    "missing_last_column": (lambda t: "\n".join(line.rsplit(",", 1)[0]
                                                for line in _lines(t)) + "\n",
                            "missing the column|square image"),
    "binary_junk": (lambda t: bytes(range(256)) * 4, "not UTF-8|cannot be parsed"),
}


@pytest.mark.parametrize("fault", FILE_FAULTS)
@pytest.mark.parametrize("table", BASES)
def test_file_faults(tmp_path, table, fault):
    reader, base = BASES[table]
    make, match = FILE_FAULTS[fault]
    path = _write(tmp_path, make(base))
    expect_data_error(lambda: reader(path), path, match)


@pytest.mark.parametrize("table", BASES)
def test_missing_file_or_folder(tmp_path, table):
    reader, _ = BASES[table]
    expect_data_error(lambda: reader(tmp_path / "none.csv"), tmp_path / "none.csv",
                      "does not exist")
    (tmp_path / "dir.csv").mkdir()
    expect_data_error(lambda: reader(tmp_path / "dir.csv"), tmp_path / "dir.csv", "is a folder")


# --- Value faults, per reader ---------------------------------------------------------------------------

def _cell(row, column, value):
    """A change that writes ``value`` into data row ``row`` (from 1), column index ``column``."""
    def change(k, fields):
        if k == row:
            fields = list(fields)
            fields[column] = value
        return fields
    return change


VALUE_FAULTS = {  # table: {case: (change, match)}
    "vindr": {
        "text_coordinate": (_cell(1, 4, "abc"), "x_min holds 'abc' on row 1"),
        "decimal_comma": (_cell(1, 4, '"10,5"'), "x_min holds '10,5'"),
        "infinite_coordinate": (_cell(2, 6, "inf"), "x_max holds an infinite value"),
        "nan_word_in_a_finding": (_cell(1, 5, "nan"), "finding without box"),
        "negative_coordinate": (_cell(1, 5, "-4"), "below the smallest"),
        "inverted_box": (_cell(2, 6, "5.0"), "x_max 5 below x_min 12"),
        "fractional_class_id": (_cell(1, 2, "8.5"), "class_id holds '8.5'"),
        "empty_class_id": (_cell(2, 2, ""), "class_id is empty on row 2"),
        "huge_class_id": (_cell(1, 2, "99999999999999999999"), "class_id"),
        "negative_class_id": (_cell(1, 2, "-1"), "class_id is below"),
        "empty_image_id": (_cell(2, 0, ""), "image_id is empty on row 2"),
        "empty_class_name": (_cell(1, 1, ""), "class_name is empty"),
        "two_ids_for_one_class": (_cell(2, 2, "9"), "more than one class_id"),
    },
    "rsna": {
        "target_two": (_cell(1, 5, "2"), "Target is above"),
        "target_empty": (_cell(1, 5, ""), "Target is empty"),
        "target_text": (_cell(1, 5, "yes"), "Target holds 'yes'"),
        "positive_without_box": (_cell(1, 1, ""), "x is empty on row 1 \\(Target 1\\)"),
        "zero_width": (_cell(1, 3, "0"), "width or height that is not positive"),
        "negative_corner": (_cell(3, 2, "-2"), "y is below"),
        "infinite_height": (_cell(1, 4, "Infinity"), "height holds an infinite value"),
        "empty_patient": (_cell(2, 0, ""), "patientId is empty"),
    },
    "patients": {
        "duplicate_patient": (_cell(3, 0, "001"), "patient 001 more than once"),
        "age_out_of_range": (_cell(1, 1, "200"), "age is above"),
        "negative_age": (_cell(1, 1, "-1"), "age is below"),
        "empty_age": (_cell(2, 1, ""), "age is empty on row 2"),
        "fractional_age": (_cell(2, 1, "40.5"), "age holds '40.5'"),
        "unknown_split": (_cell(1, 4, "Train"), "split is 'Train' on row 1"),
        "empty_split": (_cell(1, 4, ""), "split is empty"),
        "missing_training_label": (_cell(1, 3, ""), "label is empty on row 1"),
        "negative_label": (_cell(2, 3, "-1"), "label is below"),
        "fractional_label": (_cell(2, 3, "0.5"), "label holds a fraction"),
        "infinite_label": (_cell(2, 3, "inf"), "label holds an infinite value"),
        "text_label": (_cell(2, 3, "sick"), "label holds 'sick'"),
        "empty_patient_id": (_cell(3, 0, ""), "patient_id is empty"),
    },
    "digits": {
        "label_ten": (_cell(1, 0, "10"), "label is above"),
        "empty_label": (_cell(2, 0, ""), "label is empty on row 2"),
        "pixel_too_bright": (_cell(1, 2, "300"), "pixel1 is 300 on row 1"),
        "negative_pixel": (_cell(2, 4, "-1"), "pixel3 is -1 on row 2"),
        "nan_pixel": (_cell(2, 1, "nan"), "pixel0 is nan on row 2"),
        "text_pixel": (_cell(1, 3, "abc"), "pixel2 holds 'abc'"),
    },
}


@pytest.mark.parametrize("table, case", [(t, c) for t, cases in VALUE_FAULTS.items()
                                         for c in cases])
def test_value_faults(tmp_path, table, case):
    reader, base = BASES[table]
    change, match = VALUE_FAULTS[table][case]
    path = _write(tmp_path, _rows(base, change))
    expect_data_error(lambda: reader(path), path, match)


def test_digits_label_column_required(tmp_path):
    text = "\n".join(line.split(",", 1)[1] for line in _lines(BASES["digits"][1])) + "\n"
    path = _write(tmp_path, text)
    assert read_digits_csv(path, labelled=False)[0] is None
    expect_data_error(lambda: read_digits_csv(path), path, "no 'label' column")


# --- annotations.xlsx ------------------------------------------------------------------------------------

ANNOTATIONS = pd.DataFrame({"patient_id": ["001", "001", "NA"], "disc_label": [201, 202, 201],
                            "narrowing": [1.0, 0.0, np.nan], "split": ["train", "train", "test"]})


def _xlsx(tmp_path, table=ANNOTATIONS, name="annotations.xlsx"):
    path = tmp_path / name
    table.to_excel(path, index=False)
    return path


def test_annotations_read_exactly(tmp_path):
    table = read_annotations_xlsx(_xlsx(tmp_path))
    assert table["patient_id"].tolist() == ["001", "001", "NA"]
    assert table["disc_label"].dtype == np.int64 and table["disc_label"].tolist() == [201, 202, 201]
    assert table["narrowing"].dtype == np.float64
    np.testing.assert_array_equal(table["narrowing"], [1.0, 0.0, np.nan])
    assert table["split"].tolist() == ["train", "train", "test"]


def _changed(column, row, value):
    table = ANNOTATIONS.astype(object).copy()
    table.loc[row, column] = value
    return table


XLSX_FAULTS = {
    "narrowing_two": (_changed("narrowing", 0, 2), "narrowing is 2 on row 1"),
    "narrowing_text": (_changed("narrowing", 1, "yes"), "narrowing holds 'yes'"),
    "disc_label_empty": (_changed("disc_label", 1, None), "disc_label is empty on row 2"),
    "disc_label_fraction": (_changed("disc_label", 1, 201.5), "disc_label holds a fraction"),
    "disc_label_text": (_changed("disc_label", 0, "L5"), "disc_label holds 'L5'"),
    "patient_id_empty": (_changed("patient_id", 2, None), "patient_id is empty on row 3"),
    "duplicate_disc": (_changed("disc_label", 1, 201), "disc 201 of patient 001 more than once"),
    "header_only": (ANNOTATIONS.iloc[:0], "no rows"),
    "near_miss_column": (ANNOTATIONS.rename(columns={"narrowing": "Narrowing "}),
                         "missing the column\\(s\\) narrowing \\(found 'Narrowing '"),
    "repeated_column": (pd.DataFrame([[1, 201, 0, 1]],
                                     columns=["patient_id", "disc_label", "narrowing",
                                              "narrowing"]), "repeats the column narrowing"),
}


@pytest.mark.parametrize("fault", XLSX_FAULTS)
def test_annotation_faults(tmp_path, fault):
    table, match = XLSX_FAULTS[fault]
    path = _xlsx(tmp_path, table)
    expect_data_error(lambda: read_annotations_xlsx(path), path, match)


@pytest.mark.parametrize("content", [b"", b"patient_id,disc_label,narrowing\n1,201,0\n",
                                     b"PK\x03\x04 truncated zip"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "annotations.xlsx"
    path.write_bytes(content)
    expect_data_error(lambda: read_annotations_xlsx(path), path, "empty|cannot be read as an Excel")


def test_truncated_workbook(tmp_path):
    raw = _xlsx(tmp_path).read_bytes()
    for cut in (len(raw) // 3, len(raw) - 10):
        path = tmp_path / "cut.xlsx"
        path.write_bytes(raw[:cut])
        expect_data_error(lambda: read_annotations_xlsx(path), path, "cannot be read as an Excel")


def test_require_columns_direct():
    table = pd.DataFrame({"Image_ID": ["a"], "x": [1]})
    with pytest.raises(DataError, match="missing the column\\(s\\) image_id \\(found 'Image_ID'"):
        require_columns(table, ("image_id", "x"), "boxes.csv")
    assert require_columns(table, ("x",), "boxes.csv") is table
