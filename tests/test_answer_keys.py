"""common.answer_keys: hidden-split keys and their metadata, written atomically, read with clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from common.answer_keys import answer_key_meta, answer_key_path, read_answer_key, write_answer_key
from common.errors import DataError


def test_round_trip_with_meta(tmp_path):
    table = pd.DataFrame({"ImageId": ["a", "b"], "EncodedPixels": ["1 3", ""]})
    path = write_answer_key("seg2d", "test_masks", table, root=tmp_path, meta={"image_shape": [4, 5]})
    assert path == tmp_path / "answer_keys" / "seg2d" / "test_masks.csv" == answer_key_path(
        "seg2d", "test_masks", tmp_path)
    back = read_answer_key("seg2d", "test_masks", root=tmp_path)
    assert back["ImageId"].tolist() == ["a", "b"] and back["EncodedPixels"].fillna("").tolist() == ["1 3", ""]
    assert answer_key_meta("seg2d", "test_masks", root=tmp_path) == {"image_shape": [4, 5]}
    assert sorted(p.name for p in path.parent.iterdir()) == ["test_masks.csv", "test_masks.json"]


def test_default_root_is_the_data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DLMIA_DATA", str(tmp_path))
    write_answer_key("cxr", "test_boxes", pd.DataFrame({"image_id": ["x"]}), meta={"classes": {"A": 7}})
    assert (tmp_path / "answer_keys" / "cxr" / "test_boxes.csv").is_file()
    assert answer_key_meta("cxr", "test_boxes") == {"classes": {"A": 7}}


def test_rewrite_replaces_and_leaves_no_partial_file(tmp_path):
    write_answer_key("d", "k", pd.DataFrame({"id": [1]}), root=tmp_path, meta={"v": 1})
    write_answer_key("d", "k", pd.DataFrame({"id": [2, 3]}), root=tmp_path, meta={"v": 2})
    assert read_answer_key("d", "k", root=tmp_path)["id"].tolist() == [2, 3]
    assert answer_key_meta("d", "k", root=tmp_path) == {"v": 2}
    assert not list((tmp_path / "answer_keys").rglob("*.partial"))


def test_missing_key_and_meta_say_how_to_build(tmp_path):
    with pytest.raises(DataError, match="dlmia data build spine_mr"):
        read_answer_key("spine_mr", "narrowing", root=tmp_path)
    write_answer_key("seg2d", "test_masks", pd.DataFrame({"ImageId": ["a"]}), root=tmp_path)
    with pytest.raises(DataError, match="metadata .* does not exist.*dlmia data build seg2d --force"):
        answer_key_meta("seg2d", "test_masks", root=tmp_path)
    answer_key_path("seg2d", "test_masks", tmp_path).with_suffix(".json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        answer_key_meta("seg2d", "test_masks", root=tmp_path)
