import numpy as np
import pandas as pd
import pytest

from common.digits import digits_answer_key, load_digits_data, read_kaggle_digits
from common.errors import DataError


def test_sklearn_split_is_fixed_and_stratified(tmp_path):
    d = load_digits_data(tmp_path)
    assert d.source == "sklearn" and d.image_shape == (8, 8)
    assert d.X_pool.shape == (1437, 64) and d.X_test.shape == (360, 64)
    assert d.test_ids.tolist() == list(range(1, 361))
    key = digits_answer_key()
    assert key["ImageId"].tolist() == d.test_ids.tolist()
    counts = np.bincount(key["Label"])
    assert counts.min() >= 35 and counts.max() <= 37          # 20 % of each class
    again = load_digits_data(tmp_path)
    assert np.array_equal(again.X_test, d.X_test)


def _write_kaggle(folder, n=6, side=4, label=True):
    folder.mkdir(parents=True, exist_ok=True)
    pix = {f"pixel{i}": np.arange(n) + i for i in range(side * side)}
    train = pd.DataFrame({"label": np.arange(n) % 10, **pix}) if label else pd.DataFrame(pix)
    train.to_csv(folder / "train.csv", index=False)
    pd.DataFrame(pix).iloc[:3].to_csv(folder / "test.csv", index=False)


def test_kaggle_layout_is_used_when_present(tmp_path):
    _write_kaggle(tmp_path / "digit-recognizer")
    d = load_digits_data(tmp_path)
    assert d.source == "kaggle" and d.image_shape == (4, 4)
    assert d.X_pool.shape == (6, 16) and d.test_ids.tolist() == [1, 2, 3]


def test_kaggle_bad_inputs(tmp_path):
    _write_kaggle(tmp_path / "a", label=False)
    with pytest.raises(DataError, match="no 'label' column"):
        read_kaggle_digits(tmp_path / "a")
    with pytest.raises(DataError, match="test.csv is missing"):
        (tmp_path / "b").mkdir()
        pd.DataFrame({"label": [1], "pixel0": [0]}).to_csv(tmp_path / "b" / "train.csv", index=False)
        read_kaggle_digits(tmp_path / "b")
    _write_kaggle(tmp_path / "c")
    df = pd.read_csv(tmp_path / "c" / "train.csv").drop(columns=["pixel3"])
    df.to_csv(tmp_path / "c" / "train.csv", index=False)
    with pytest.raises(DataError, match="square image"):
        read_kaggle_digits(tmp_path / "c")
