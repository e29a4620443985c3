"""A corpus of bad (and oddly written good) submissions, built at test time for every schema.

Each file is checked three ways: its exact outcome (accepted with the right score, or refused
with a sentence holding the expected words), the form of every problem (one sentence that names
the file), and agreement: a file that validates scores, and a file that does not validate raises
:class:`SubmissionError` with exactly the sentences validation printed.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

from common.answer_keys import mask_key_table, write_answer_key
from common.errors import SubmissionError
from common.submissions import score_submission, spec_for, validate_submission

#: lab -> (submission file, perfect score).
LABS = {
    "lab01_digits_mlp": ("Hw1_submission_Z.csv", 1.0),
    "lab02_slice_classification": ("predictions.csv", 1.0),
    "lab03_fusion_strategies": ("late.csv", 1.0),
    "lab04_segmentation": ("submission.csv", 1.0),
    "lab05_cxr_detection": ("submission.csv", 1.0),
    "lab06_autoencoder_features": ("predictions.csv", 1.0),
    "lab07_inflated_densenet": ("similarities.csv", 0.0),
}
ACCEPT = None   # the expectation of a file that must score perfectly


def _write_keys(root: Path) -> None:
    write_answer_key("ct_volumes", "labels", pd.DataFrame(
        {"patient_id": [f"P{i:04d}" for i in range(1, 7)], "label": [0, 1, 0, 1, 1, 0]}), root=root)
    masks = {}
    for i in range(4):
        m = np.zeros((16, 16), bool)
        if i < 3:
            m[2 + i:9 + i, 3:8 + i] = True
        masks[f"test_{i:04d}"] = m
    write_answer_key("seg2d", "test_masks", mask_key_table(masks), root=root,
                     meta={"image_shape": [16, 16]})
    write_answer_key("cxr", "test_boxes", pd.DataFrame({
        "image_id": ["a", "a", "b", "c"],
        "class_name": ["Nodule/Mass", "Lung Opacity", "No finding", "Nodule/Mass"],
        "class_id": [8, 7, 14, 8], "rad_id": ["R8"] * 4,
        "x_min": [10, 50, np.nan, 5], "y_min": [10, 60, np.nan, 5],
        "x_max": [25, 100, np.nan, 20], "y_max": [25, 110, np.nan, 20]}), root=root,
        meta={"classes": {"Lung Opacity": 7, "Nodule/Mass": 8}})
    write_answer_key("spine_mr", "narrowing", pd.DataFrame(
        {"patient_id": ["061", "061", "062", "062", "107", "107"],
         "disc_label": [201, 202, 201, 203, 201, 202], "narrowing": [0, 1, 1, 0, 1, 0]}), root=root)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Small answer keys for every lab (lab01 uses the bundled digits), and their perfect CSVs."""
    root = tmp_path_factory.mktemp("data")
    _write_keys(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLMIA_DATA", str(root))
        mp.setenv("DLMIA_LAB07_REFERENCE", str(root / "reference.csv"))
        spec07 = spec_for("lab07_inflated_densenet")
        reference = spec07.example(spec07.load_key())
        reference["cosine_similarity"] = 0.5 + 0.05 * np.arange(9)
        reference.to_csv(root / "reference.csv", index=False)
        ctx = {}
        for lab, (name, _) in LABS.items():
            spec = spec_for(lab, name)
            key = spec.load_key()
            ctx[lab] = Ctx(lab, name, spec, key, spec.example(key, False).to_csv(index=False))
        yield ctx


@dataclass
class Ctx:
    lab: str
    name: str
    spec: object
    key: pd.DataFrame
    base: str                      # the perfect submission's text

    @property
    def rows(self) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.base)))

    @property
    def id_column(self) -> str:
        return self.spec.schema.id_column


def _text(rows: list[list[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def _set(ctx: Ctx, row: int, column: str, value: str) -> str:
    rows = ctx.rows
    rows[row + 1][rows[0].index(column)] = value
    return _text(rows)


def _unknown_id(ctx: Ctx) -> str:
    return "99999" if ctx.spec.schema.columns[0].kind == "int" else "zz_unknown"


def _with_id(ctx: Ctx, new_id: str) -> list[str]:
    rows = ctx.rows
    row = list(rows[1])
    row[rows[0].index(ctx.id_column)] = new_id
    return row


def _reorder(ctx: Ctx) -> str:
    rows = ctx.rows
    return _text([list(reversed(r)) for r in rows[:1]] + [list(reversed(r)) for r in rows[1:][::-1]])


#: (name, build(ctx) -> bytes | str, expected words or ACCEPT) for every schema.
GENERIC: list[tuple[str, Callable[[Ctx], bytes | str], str | None]] = [
    ("plain", lambda c: c.base, ACCEPT),
    ("utf8_bom", lambda c: "\ufeff" + c.base, ACCEPT),
    ("crlf", lambda c: c.base.replace("\n", "\r\n"), ACCEPT),
    ("bom_and_crlf", lambda c: "\ufeff" + c.base.replace("\n", "\r\n"), ACCEPT),
    ("blank_lines", lambda c: c.base.replace("\n", "\n\n"), ACCEPT),
    ("no_final_newline", lambda c: c.base.rstrip("\n"), ACCEPT),
    ("spaces_around_cells", lambda c: c.base.replace(",", " , "), ACCEPT),
    ("every_cell_quoted", lambda c: _text_quoted(c.rows), ACCEPT),
    ("columns_and_rows_reordered", _reorder, ACCEPT),
    ("trailing_comma_first_row",
     lambda c: c.base.replace("\n", ",\n", 2).replace(",\n", "\n", 1), "a trailing comma"),
    ("trailing_comma_every_line", lambda c: c.base.replace("\n", ",\n"), "unnamed column"),
    ("index_column", lambda c: _text([[""] + c.rows[0]] + [[str(i)] + r for i, r in enumerate(c.rows[1:])]),
     "unnamed column"),
    ("utf16", lambda c: c.base.encode("utf-16"), "UTF-16 text, not UTF-8"),
    ("utf16_without_bom", lambda c: c.base.encode("utf-16-le"), "NUL bytes"),
    ("utf32", lambda c: c.base.encode("utf-32"), "UTF-32 text, not UTF-8"),
    ("latin1", lambda c: _text([c.rows[0], _with_id(c, "caf\xe9")] + c.rows[2:]).encode("latin-1"),
     "not UTF-8 text"),
    ("semicolons", lambda c: c.base.replace(",", ";"), "separated by semicolons"),
    ("tabs", lambda c: c.base.replace(",", "\t"), "separated by tabs"),
    ("duplicate_row", lambda c: c.base + _text([c.rows[1]]), "more than once"),
    ("missing_row", lambda c: _text(c.rows[:-1]), "is missing 1"),
    ("unknown_id", lambda c: c.base + _text([_with_id(c, _unknown_id(c))]), "unknown"),
    ("far_too_many_rows", lambda c: c.base + _text([c.rows[1]] * (2 * len(c.rows) + 100)),
     "data rows, more than this submission can hold"),
    ("extra_column", lambda c: _text([r + ["x"] for r in c.rows]), "unexpected column(s)"),
    ("missing_column", lambda c: _text([r[:1] for r in c.rows]), "is missing the column(s)"),
    ("renamed_column", lambda c: c.base.replace(c.rows[0][-1], c.rows[0][-1].upper() + "X", 1),
     "is missing the column(s)"),
    ("repeated_header_name", lambda c: _text([c.rows[0] + [c.rows[0][0]]] + [r + [r[0]] for r in c.rows[1:]]),
     "repeats a column name"),
    ("empty_file", lambda c: b"", "is empty"),
    ("blank_lines_only", lambda c: "\n \n\r\n", "is empty"),
    ("header_only", lambda c: _text(c.rows[:1]), "has a header but no rows"),
    ("quoted_newline", lambda c: _set(c, 0, c.id_column, c.rows[1][c.rows[0].index(c.id_column)] + "\nx"),
     "line break inside a quoted cell"),
    ("unclosed_quote", lambda c: c.base.rstrip("\n") + ',"\n', "could not be parsed as CSV"),
    ("stray_quote", lambda c: _text(c.rows[:2]) + '"a"b,' + "1" * 1 + "\n" + _text(c.rows[2:]),
     "could not be parsed as CSV"),
    ("cell_over_the_cell_limit", lambda c: _set(c, 0, c.rows[0][-1], "1" * (c.spec.max_cell + 1)),
     "has a cell longer than"),
    ("one_huge_line", lambda c: _set(c, 0, c.rows[0][-1], "1" * (2 * c.spec.max_cell + 2**17)),
     "is longer than"),
]


def _text_quoted(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue()


# Number formats, per schema: (name, row, column, written value, expected words or ACCEPT).
def _lab01(c: Ctx) -> list[tuple]:
    labels = c.key["Label"].tolist()
    zero, three = labels.index(0), labels.index(3)
    whole = "must hold a whole number"
    return [("label_3.0", three, "Label", "3.0", whole), ("label_1e0", three, "Label", "1e0", whole),
            ("label_+3", three, "Label", "+3", whole), ("label_0x3", three, "Label", "0x3", whole),
            ("label_1_000", three, "Label", "1_000", whole), ("label_inf", three, "Label", "inf", whole),
            ("label_arabic_3", three, "Label", "\u0663", whole),
            ("label_nan", three, "Label", "nan", "empty or NaN"),
            ("label_empty", three, "Label", "", "empty or NaN"),
            ("label_12", three, "Label", "12", "outside the range [0, 9]"),
            ("label_-1", zero, "Label", "-1", "outside the range"),
            ("label_-0", zero, "Label", "-0", ACCEPT), ("label_03", three, "Label", "03", ACCEPT),
            ("label_spaced", three, "Label", " 3 ", ACCEPT),
            ("id_1.0", 0, "ImageId", "1.0", whole), ("id_001", 0, "ImageId", "001", ACCEPT),
            ("id_20_digits", 0, "ImageId", "9" * 20, whole)]


def _probability(column: str, positive: int, negative: int) -> list[tuple]:
    number = "must hold a number"
    return [(f"{column}_1e0", positive, column, "1e0", ACCEPT),
            (f"{column}_1.0e+0", positive, column, "1.0E+0", ACCEPT),
            (f"{column}_-0", negative, column, "-0", ACCEPT),
            (f"{column}_.0", negative, column, ".0", ACCEPT),
            (f"{column}_+1", positive, column, "+1", number),
            (f"{column}_inf", positive, column, "inf", number),
            (f"{column}_-inf", negative, column, "-inf", number),
            (f"{column}_1e999", positive, column, "1e999", number),
            (f"{column}_0x1", positive, column, "0x1", number),
            (f"{column}_1_0", positive, column, "1_0", number),
            (f"{column}_arabic", positive, column, "\u0661", number),
            (f"{column}_nan", positive, column, "nan", "empty or NaN"),
            (f"{column}_1.5", positive, column, "1.5", "outside the range [0, 1]"),
            (f"{column}_-0.1", negative, column, "-0.1", "outside the range")]


def _lab04(c: Ctx) -> list[tuple]:
    first = c.rows[1][1]
    start, rest = first.split(" ", 1)
    holds = "the run-length encoding holds"
    return [(f"rle_{name}", 0, "EncodedPixels", f"{value} {rest}", words) for name, value, words in [
        ("3.0", f"{start}.0", holds), ("1e0", "1e0", holds), ("+start", f"+{start}", holds),
        ("0x3", "0x3", holds), ("1_000", "1_000", holds), ("arabic", "\u0663", holds),
        ("20_digits", "9" * 20, holds), ("-0", "-0", holds), ("leading_zero", f"0{start}", ACCEPT)]] + [
        ("rle_nan", 0, "EncodedPixels", "nan", holds),
        ("rle_odd", 0, "EncodedPixels", first + " 7", "odd number"),
        ("rle_outside", 0, "EncodedPixels", "250 10", "outside the 16x16 image"),
        ("rle_unsorted", 0, "EncodedPixels", "100 3 5 2", "not sorted"),
        ("rle_empty_is_a_mask", 3, "EncodedPixels", "", ACCEPT)]


def _lab05(c: Ctx) -> list[tuple]:
    boxes = c.rows[1][1].split()          # image "a": two detections
    def with_token(i: int, value: str) -> str:
        return " ".join(boxes[:i] + [value] + boxes[i + 1:])
    whole = "which is not a whole number"
    number = "which is not a number"
    return [(f"prediction_{name}", 0, "PredictionString", with_token(i, v), words) for name, i, v, words in [
        ("class_7.6", 0, "7.6", whole), ("class_8.0", 0, "8.0", whole), ("class_+8", 0, "+8", whole),
        ("class_1e0", 0, "8e0", whole), ("class_20_digits", 0, "9" * 20, whole),
        ("class_08", 0, "08", ACCEPT), ("class_3", 0, "3", "not lesion classes"),
        ("score_nan", 1, "nan", number), ("score_inf", 1, "inf", number),
        ("score_9e-1", 1, "9e-1", ACCEPT), ("score_-0", 1, "-0", ACCEPT),
        ("score_1.5", 1, "1.5", "[0, 1]"), ("box_0x3", 2, "0x3", number),
        ("box_1_000", 2, "1_000", number), ("box_1e999", 4, "1e999", "not a finite number"),
        ("box_1e39", 4, "1e39", "not a finite number"), ("box_swapped", 4, "1", "x_max < x_min")]] + [
        ("prediction_five_values", 0, "PredictionString", " ".join(boxes[:5]), "multiple of 6"),
        ("prediction_301_detections", 0, "PredictionString", " ".join(boxes[:6] * 301),
         "keep at most 300")]


def _lab07(c: Ctx) -> list[tuple]:
    return _probability("cosine_similarity", 0, 1)[5:12] + [
        ("cosine_5e-1", 0, "cosine_similarity", "5e-1", ACCEPT),
        ("cosine_0.50", 0, "cosine_similarity", "0.50", ACCEPT),
        ("cosine_nan", 0, "cosine_similarity", "NaN", "empty or NaN"),
        ("cosine_1.5", 0, "cosine_similarity", "1.5", "outside the range [-1, 1]"),
        ("layer_unknown", 0, "layer", "denseblock9", "not among the allowed"),
        ("pair_id_mismatch", 0, "pair_id", "denseblock2:femur-tibia", "does not match its layer")]


def _lab06(c: Ctx) -> list[tuple]:
    label = "disc_label"
    return _probability("probability", 1, 0) + [
        (f"{label}_200", 0, label, "200", "outside the range [201, 225]"),
        (f"{label}_201.0", 0, label, "201.0", "must hold a whole number"),
        (f"{label}_0201", 0, label, "0201", ACCEPT),
        ("patient_id_as_number", 0, "patient_id", "61", "does not match its patient_id"),
        ("disc_id_of_another_disc", 0, "disc_id", "061_202", "does not match its patient_id")]


def _numeric(c: Ctx) -> list[tuple]:
    if c.lab == "lab01_digits_mlp":
        return _lab01(c)
    if c.lab in ("lab02_slice_classification", "lab03_fusion_strategies"):
        return _probability("probability", 1, 0) + [("patient_id_spaced", 0, "patient_id", " P0001 ", ACCEPT)]
    if c.lab == "lab04_segmentation":
        return _lab04(c)
    if c.lab == "lab05_cxr_detection":
        return _lab05(c)
    if c.lab == "lab06_autoencoder_features":
        return _lab06(c)
    return _lab07(c)


def _corpus(ctx: Ctx, folder: Path) -> list[tuple[str, Path, str | None]]:
    """Every corpus file of one lab: (case, path, expected words or ACCEPT)."""
    files = []

    def add(case: str, content: bytes | str, expect: str | None) -> None:
        path = folder / case / ctx.name
        path.parent.mkdir(parents=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        files.append((case, path, expect))

    for case, build, expect in GENERIC:
        add(case, build(ctx), expect)
    for case, row, column, value, expect in _numeric(ctx):
        add(case, _set(ctx, row, column, value), expect)
    oversize = folder / "oversize" / ctx.name
    oversize.parent.mkdir(parents=True)
    with open(oversize, "wb") as f:
        f.write(ctx.base.encode())
        f.truncate(ctx.spec.max_bytes + 1)
    files.append(("oversize", oversize, "a submission may hold here"))
    return files


def _one_sentence(problem: str, name: str) -> bool:
    """Ends with a full stop, names the file, and no second sentence starts inside it."""
    return problem.endswith(".") and name in problem and not re.search(r"\.\s+[A-Z]", problem)


@pytest.mark.parametrize("lab", list(LABS))
def test_corpus_outcomes_and_agreement(course, lab, tmp_path):
    ctx = course[lab]
    perfect = LABS[lab][1]
    wrong = []
    for case, path, expect in _corpus(ctx, tmp_path):
        problems = validate_submission(lab, path, ctx.name)
        if problems:
            with pytest.raises(SubmissionError) as info:
                score_submission(lab, path, ctx.name)
            agree = str(info.value) == " ".join(problems)
            ok = (expect is not ACCEPT and any(expect in p for p in problems)
                  and all(_one_sentence(p, ctx.name) for p in problems))
        else:
            score = score_submission(lab, path, ctx.name)
            agree = math.isfinite(score)
            ok = expect is ACCEPT and score == pytest.approx(perfect, abs=1e-9)
        if not (ok and agree):
            wrong.append((case, expect, problems or score))
    assert not wrong, "\n".join(map(str, wrong))

