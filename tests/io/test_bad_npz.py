"""Bad-input corpus of ``read_medmnist_npz``, generated at test time.

Archives cut at several points, corrupted, pickled, holding object arrays, text, a single array,
empty splits, wrong dimensionality, NaN/infinite values, negative or fractional labels: each
raises exactly one :class:`DataError` sentence naming the file; accepted archives read to the
exact arrays.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from common.io import read_medmnist_npz

from .conftest import expect_data_error

SIZES = {"train": 5, "val": 2, "test": 3}


def _arrays() -> dict[str, np.ndarray]:
    out = {}
    for split, n in SIZES.items():
        out[f"{split}_images"] = (np.arange(n * 64) % 255).astype(np.uint8).reshape(n, 8, 8)
        out[f"{split}_labels"] = (np.arange(n) % 3).reshape(n, 1)
    return out


def _save(path, compressed=False, **changes):
    arrays = {**_arrays(), **changes}
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return path


@pytest.mark.parametrize("compressed", [False, True])
def test_accepted_archive_reads_exactly(tmp_path, compressed):
    path = _save(tmp_path / "ok.npz", compressed)
    back = read_medmnist_npz(path)
    for split in SIZES:
        np.testing.assert_array_equal(back[split][0], _arrays()[f"{split}_images"])
        np.testing.assert_array_equal(back[split][1], _arrays()[f"{split}_labels"])


@pytest.mark.parametrize("labels", [np.array([0, 1, 2, 0, 1]), np.array([[0, 1], [1, 0], [1, 1],
                                                                          [0, 0], [1, 0]]),
                                    np.array([0.0, 1.0, 2.0, 0.0, 1.0])])
def test_accepted_label_layouts(tmp_path, labels):
    path = _save(tmp_path / "ok.npz", train_labels=labels)
    back = read_medmnist_npz(path)["train"][1]
    np.testing.assert_array_equal(back, labels.reshape(5, -1))
    assert back.dtype == labels.dtype


def test_accepted_volumes_and_colour(tmp_path):
    volumes = np.zeros((5, 4, 8, 8), np.uint8)
    path = _save(tmp_path / "ok.npz", train_images=volumes)
    np.testing.assert_array_equal(read_medmnist_npz(path)["train"][0], volumes)


CUTS = {"zip_magic": lambda n: 2, "first_member": lambda n: 30, "mid_archive": lambda n: n // 2,
        "central_directory": lambda n: n - 30, "last_byte": lambda n: n - 1}


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("compressed", [False, True])
def test_truncated_archive(tmp_path, compressed, cut):
    raw = _save(tmp_path / "ok.npz", compressed).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(raw[: CUTS[cut](len(raw))])
    expect_data_error(lambda: read_medmnist_npz(path), path, "not a readable .npz")


@pytest.mark.parametrize("compressed", [False, True])
def test_corrupt_member_fails_its_crc(tmp_path, compressed):
    raw = bytearray(_save(tmp_path / "ok.npz", compressed).read_bytes())
    raw[100] ^= 0xFF  # inside train_images
    path = tmp_path / "bad.npz"
    path.write_bytes(bytes(raw))
    expect_data_error(lambda: read_medmnist_npz(path), path, "train_images in bad.npz cannot be read")


def test_pickled_file_is_never_loaded(tmp_path):
    path = tmp_path / "p.npz"
    path.write_bytes(pickle.dumps(_arrays()))
    expect_data_error(lambda: read_medmnist_npz(path), path, "pickled")


def test_object_array_member_is_never_loaded(tmp_path):
    labels = np.empty(5, dtype=object)
    labels[:] = [0, "a", None, 2, 1]
    path = _save(tmp_path / "o.npz", train_labels=labels)
    expect_data_error(lambda: read_medmnist_npz(path), path, "pickled")


@pytest.mark.parametrize("content", [b"", b"hello\n", b"PK\x03\x04 truncated"])
def test_empty_or_foreign_file(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    expect_data_error(lambda: read_medmnist_npz(path), path, "empty|not a readable .npz")


def test_missing_file_folder_and_single_array(tmp_path):
    expect_data_error(lambda: read_medmnist_npz(tmp_path / "none.npz"), tmp_path / "none.npz",
                      "does not exist")
    np.save(tmp_path / "one.npy", np.zeros(3))
    expect_data_error(lambda: read_medmnist_npz(tmp_path / "one.npy"), tmp_path / "one.npy",
                      "holds one array")


BAD_SPLITS = {
    "missing_key": (dict(), "has no val_images"),
    "images_1d": (dict(train_images=np.zeros(5, np.uint8)), r"shape \(5,\)"),
    "images_5d": (dict(train_images=np.zeros((5, 1, 2, 2, 2), np.uint8)), "shape"),
    "labels_3d": (dict(train_labels=np.zeros((5, 1, 1))), r"labels of shape \(5, 1, 1\)"),
    "count_mismatch": (dict(test_labels=np.zeros((2, 1))), "3 test images but 2 labels"),
    "empty_split": (dict(train_images=np.zeros((0, 8, 8), np.uint8),
                         train_labels=np.zeros((0, 1))), "has no train images"),
    "nan_label": (dict(train_labels=np.array([0.0, np.nan, 1.0, 0.0, 1.0])), "NaN or infinite"),
    "inf_image": (dict(train_images=np.full((5, 8, 8), np.inf, np.float32)), "NaN or infinite"),
    "fractional_label": (dict(train_labels=np.array([0.0, 0.5, 1.0, 0.0, 1.0])),
                         "not whole numbers"),
    "negative_label": (dict(train_labels=np.array([0, -1, 1, 0, 1])), "negative"),
    "text_labels": (dict(train_labels=np.array(["a", "b", "c", "d", "e"])), "not numbers"),
}


@pytest.mark.parametrize("case", BAD_SPLITS)
def test_bad_splits(tmp_path, case):
    changes, match = BAD_SPLITS[case]
    path = tmp_path / "bad.npz"
    if case == "missing_key":
        arrays = _arrays()
        del arrays["val_images"]
        np.savez(path, **arrays)
    else:
        _save(path, **changes)
    expect_data_error(lambda: read_medmnist_npz(path), path, match)
