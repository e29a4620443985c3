"""common.answer_keys: hidden-split keys and their metadata, written atomically, read with clear
errors; keys of binary masks stored losslessly (packed pixels, not run-length encodings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from common.answer_keys import (MASK_KEY_COLUMNS, answer_key_meta, answer_key_path, key_masks,
                                mask_key_table, read_answer_key, read_mask_key, write_answer_key)
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


def _one_sentence(message: str) -> bool:
    return "\n" not in message and message.count(". ") == 0 and message.endswith(".")


def test_mask_key_round_trips_masks_exactly(tmp_path, rng):
    masks = {
        "empty": np.zeros((5, 7), bool),
        "full": np.ones((3, 3), bool),
        "odd": rng.random((13, 9)) > 0.5,             # 117 pixels: the last byte is part-filled
        "0007": (rng.random((96, 96)) > 0.7).astype(np.uint8) * 255,   # 0/255, an id like a number
        "row": rng.random((1, 17)) > 0.3,
        "pixel": np.ones((1, 1), np.int64),
        "nothing": np.zeros((0, 4), bool),
    }
    write_answer_key("seg2d", "test_masks", mask_key_table(masks), root=tmp_path,
                     meta={"image_shape": [96, 96]})
    table = read_mask_key("seg2d", "test_masks", root=tmp_path)
    assert table.columns.tolist() == list(MASK_KEY_COLUMNS) and "EncodedPixels" not in table
    back = key_masks(table)
    assert list(back) == list(masks)
    for image_id, mask in masks.items():
        assert back[image_id].dtype == bool and np.array_equal(back[image_id], mask != 0), image_id
    part = key_masks(table.iloc[[2, 0]])        # a selection of rows, as a leaderboard part
    assert list(part) == ["odd", "empty"] and np.array_equal(part["odd"], masks["odd"])


def test_mask_key_refuses_a_mask_that_is_not_2d():
    with pytest.raises(DataError, match="shape \\(2, 3, 3\\)"):
        mask_key_table({"a": np.zeros((2, 3, 3))})


def test_an_old_run_length_key_asks_for_a_rebuild_in_one_sentence(tmp_path):
    old = pd.DataFrame({"ImageId": ["test_0000", "test_0001"], "EncodedPixels": ["1 3", ""]})
    write_answer_key("seg2d", "test_masks", old, root=tmp_path, meta={"image_shape": [4, 4]})
    with pytest.raises(DataError) as info:
        read_mask_key("seg2d", "test_masks", root=tmp_path)
    message = str(info.value)
    assert "run-length encoded" in message and "rebuild it with `dlmia data build seg2d`" in message
    assert _one_sentence(message), message


def test_a_damaged_mask_key_is_one_sentence(tmp_path):
    table = mask_key_table({"a": np.ones((4, 4), bool)})
    table.loc[0, "PackedMask"] = table.loc[0, "PackedMask"][:-2] + "!!"
    write_answer_key("seg2d", "test_masks", table, root=tmp_path)
    with pytest.raises(DataError, match="mask of a is not 4x4 packed pixels") as info:
        key_masks(read_mask_key("seg2d", "test_masks", root=tmp_path))
    assert _one_sentence(str(info.value))
    write_answer_key("seg2d", "test_masks", table.assign(Height="four"), root=tmp_path)
    with pytest.raises(DataError, match="not a whole number"):
        read_mask_key("seg2d", "test_masks", root=tmp_path)
