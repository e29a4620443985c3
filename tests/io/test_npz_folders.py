"""MedMNIST-style .npz and image/mask folder pairs: round trips and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from common.errors import DataError
from common.io import read_folder_pair, read_medmnist_npz, write_medmnist_npz, write_volume


def _splits(rng):
    return {s: (rng.integers(0, 255, size=(n, 8, 8), dtype=np.uint8),
                rng.integers(0, 3, size=(n, 1)))
            for s, n in (("train", 5), ("val", 2), ("test", 3))}


def test_npz_round_trip(tmp_path, rng):
    data = _splits(rng)
    path = write_medmnist_npz(tmp_path / "tiny.npz", data)
    back = read_medmnist_npz(path)
    for split, (images, labels) in data.items():
        np.testing.assert_array_equal(back[split][0], images)
        np.testing.assert_array_equal(back[split][1], labels)


def test_npz_missing_key(tmp_path, rng):
    data = _splits(rng)
    np.savez(tmp_path / "bad.npz", train_images=data["train"][0], train_labels=data["train"][1])
    with pytest.raises(DataError, match="val_images"):
        read_medmnist_npz(tmp_path / "bad.npz")


def test_npz_count_mismatch(tmp_path, rng):
    data = _splits(rng)
    data["test"] = (data["test"][0], data["test"][1][:2])
    path = write_medmnist_npz(tmp_path / "bad.npz", data)
    with pytest.raises(DataError, match="3 test images but 2 labels"):
        read_medmnist_npz(path)


def test_npz_missing_file(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_medmnist_npz(tmp_path / "none.npz")


def _pair(tmp_path, rng, stems=("a", "b")):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for s in stems:
        Image.fromarray(rng.integers(0, 255, size=(6, 7), dtype=np.uint8)).save(
            tmp_path / "images" / f"{s}.png")
        Image.fromarray(rng.integers(0, 3, size=(6, 7), dtype=np.uint8)).save(
            tmp_path / "masks" / f"{s}.png")


def test_folder_pair_png(tmp_path, rng):
    _pair(tmp_path, rng)
    stems, images, masks = read_folder_pair(tmp_path / "images", tmp_path / "masks")
    assert stems == ["a", "b"] and images[0].shape == (6, 7) and masks[1].shape == (6, 7)
    expected = np.array(Image.open(tmp_path / "masks" / "b.png"))
    np.testing.assert_array_equal(masks[1], expected)


def test_folder_pair_nifti(tmp_path, rng):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    image = rng.normal(size=(6, 7)).astype(np.float32)
    mask = (image > 0).astype(np.uint8)
    write_volume(tmp_path / "images" / "case1.nii.gz", image)
    write_volume(tmp_path / "masks" / "case1.nii.gz", mask)
    stems, images, masks = read_folder_pair(tmp_path / "images", tmp_path / "masks")
    assert stems == ["case1"]
    np.testing.assert_array_equal(masks[0], mask)


def test_folder_pair_unmatched(tmp_path, rng):
    _pair(tmp_path, rng)
    (tmp_path / "masks" / "b.png").unlink()
    with pytest.raises(DataError, match="no partner, e.g. 'b'"):
        read_folder_pair(tmp_path / "images", tmp_path / "masks")


def test_folder_pair_missing_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_folder_pair(tmp_path / "images", tmp_path / "masks")
