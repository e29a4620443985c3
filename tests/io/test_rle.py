"""The scorer's run-length codec: pixel order, round trips and clear messages for bad encodings."""

from __future__ import annotations

import numpy as np
import pytest

from common.errors import DataError
from common.io.rle import rle_decode, rle_encode, rle_problem


def test_column_major_one_based():
    assert rle_encode(np.array([[0, 1], [1, 1]])) == "2 3"
    m = np.zeros((3, 4), bool)
    m[0, 1] = True
    assert rle_encode(m) == "4 1"
    assert rle_encode(np.zeros((5, 5))) == ""
    assert rle_encode(np.ones((2, 3))) == "1 6"


def test_round_trip(rng):
    for shape in [(1, 1), (7, 5), (96, 96)]:
        m = rng.random(shape) > 0.5
        assert np.array_equal(rle_decode(rle_encode(m), shape), m)
    assert not rle_decode("", (4, 4)).any()
    assert not rle_decode(float("nan"), (4, 4)).any()


@pytest.mark.parametrize("rle, words", [
    ("1 2 3", "odd number"),
    ("1 5 4 2", "overlap"),
    ("10 3 2 2", "not sorted"),
    ("15 5", "outside"),
    ("0 3", "at least 1"),
    ("1 x", "positive whole numbers"),
    ("1 -2", "positive whole numbers"),
])
def test_problems_are_named(rle, words):
    problem = rle_problem(rle, (4, 4))
    assert problem and words in problem
    with pytest.raises(DataError, match=words):
        rle_decode(rle, (4, 4))


def test_valid_encodings_have_no_problem():
    assert rle_problem("1 2 4 3", (4, 4)) is None
    assert rle_problem("", (4, 4)) is None


def test_encode_rejects_batches():
    with pytest.raises(DataError, match="2D"):
        rle_encode(np.zeros((2, 3, 3)))


@pytest.mark.parametrize("value", ["²", "٣", "9" * 19, "1.0", "-1", "0x3"])
def test_only_ascii_whole_numbers_that_fit_int64(value):
    assert "whole numbers" in rle_problem(f"1 {value}", (4, 4))
    with pytest.raises(DataError, match="whole numbers"):
        rle_decode(f"1 {value}", (4, 4))
