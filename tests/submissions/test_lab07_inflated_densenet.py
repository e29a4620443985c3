"""lab07's similarities.csv: schema messages for bad files, and scoring against a reference."""

from __future__ import annotations

import pandas as pd
import pytest

from common.errors import SubmissionError
from common.submissions import score_submission, validate_submission
from common.submissions.lab07_inflated_densenet import LAYERS, PAIR_IDS, REGION_PAIRS

LAB = "lab07_inflated_densenet"


def _table(offset: float = 0.0) -> pd.DataFrame:
    rows = [{"pair_id": f"{layer}:{a}-{b}", "layer": layer, "region_a": a, "region_b": b,
             "cosine_similarity": round(0.5 + 0.05 * i + offset, 6)}
            for i, (layer, (a, b)) in enumerate((l, p) for l in LAYERS for p in REGION_PAIRS)]
    return pd.DataFrame(rows)


@pytest.fixture
def reference(tmp_path, monkeypatch):
    path = tmp_path / "reference.csv"
    _table().to_csv(path, index=False)
    monkeypatch.setenv("DLMIA_LAB07_REFERENCE", str(path))
    return path


def _write(frame: pd.DataFrame, tmp_path) -> str:
    path = tmp_path / "similarities.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_ids_do_not_depend_on_a_run():
    assert len(PAIR_IDS) == 9 and PAIR_IDS[0] == "denseblock2:tibia-femur"


def test_valid_table_scores_zero_and_wrong_scores_more(reference, tmp_path):
    assert validate_submission(LAB, _write(_table(), tmp_path)) == []
    assert score_submission(LAB, _write(_table(), tmp_path)) == pytest.approx(0.0, abs=1e-9)
    wrong = _table()
    wrong.loc[4, "cosine_similarity"] -= 0.2
    assert score_submission(LAB, _write(wrong, tmp_path)) == pytest.approx(0.2, abs=1e-6)


@pytest.mark.parametrize("breakage, words", [
    (lambda t: t.drop(columns="layer"), "missing the column"),
    (lambda t: t.iloc[:-1], "missing"),
    (lambda t: t.assign(cosine_similarity=["x"] + [0.1] * 8), "cosine_similarity"),
    (lambda t: t.assign(cosine_similarity=[1.5] + [0.1] * 8), "cosine_similarity"),
    (lambda t: t.assign(layer=["denseblock9"] + list(t["layer"][1:])), "layer"),
    (lambda t: t.assign(pair_id=["denseblock2:femur-tibia"] + list(t["pair_id"][1:])), "pair_id"),
])
def test_bad_tables_get_one_clear_message(reference, tmp_path, breakage, words):
    problems = validate_submission(LAB, _write(breakage(_table()), tmp_path))
    assert problems and any(words in p for p in problems), problems
    with pytest.raises(SubmissionError):
        score_submission(LAB, _write(breakage(_table()), tmp_path))


def test_no_reference_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_LAB07_REFERENCE", str(tmp_path / "absent.csv"))
    path = _write(_table(), tmp_path)
    assert validate_submission(LAB, path) == []
    with pytest.raises(SubmissionError, match="dlmia run lab07_inflated_densenet"):
        score_submission(LAB, path)
