"""MedMNIST-style .npz and image/mask folder pairs: reading, grey conversion and bad input."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
from PIL import Image

from common.errors import DataError
from common.io import pair_files, read_image_2d, read_medmnist_npz


def _splits(rng):
    return {s: (rng.integers(0, 255, size=(n, 8, 8), dtype=np.uint8),
                rng.integers(0, 3, size=(n, 1)))
            for s, n in (("train", 5), ("val", 2), ("test", 3))}


def _save_npz(path, data):
    np.savez(path, **{f"{s}_{kind}": a for s, (images, labels) in data.items()
                      for kind, a in (("images", images), ("labels", labels))})
    return path


def test_npz_reads_every_split(tmp_path, rng):
    data = _splits(rng)
    data["val"] = (data["val"][0], data["val"][1].ravel())  # (N,) labels come back as (N, 1)
    back = read_medmnist_npz(_save_npz(tmp_path / "tiny.npz", data))
    for split, (images, labels) in data.items():
        np.testing.assert_array_equal(back[split][0], images)
        np.testing.assert_array_equal(back[split][1], labels.reshape(-1, 1))


def test_npz_missing_key(tmp_path, rng):
    data = _splits(rng)
    np.savez(tmp_path / "bad.npz", train_images=data["train"][0], train_labels=data["train"][1])
    with pytest.raises(DataError, match="val_images"):
        read_medmnist_npz(tmp_path / "bad.npz")


def test_npz_count_mismatch(tmp_path, rng):
    data = _splits(rng)
    data["test"] = (data["test"][0], data["test"][1][:2])
    path = _save_npz(tmp_path / "bad.npz", data)
    with pytest.raises(DataError, match="3 test images but 2 labels"):
        read_medmnist_npz(path)


def test_npz_missing_or_not_an_archive(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_medmnist_npz(tmp_path / "none.npz")
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match="not a readable .npz"):
        read_medmnist_npz(tmp_path / "cut.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(DataError, match="one array"):
        read_medmnist_npz(tmp_path / "one.npy")


def _pair(tmp_path, rng, stems=("a", "b")):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for s in stems:
        Image.fromarray(rng.integers(0, 255, size=(6, 7), dtype=np.uint8)).save(
            tmp_path / "images" / f"{s}.png")
        Image.fromarray(rng.integers(0, 3, size=(6, 7), dtype=np.uint8)).save(
            tmp_path / "masks" / f"{s}.png")


def test_pair_files_png(tmp_path, rng):
    _pair(tmp_path, rng)
    pairs = pair_files(tmp_path / "images", tmp_path / "masks")
    assert [stem for stem, _, _ in pairs] == ["a", "b"]
    stem, image_path, mask_path = pairs[1]
    assert image_path.parent.name == "images" and mask_path.name == "b.png"
    expected = np.array(Image.open(mask_path))
    np.testing.assert_array_equal(read_image_2d(mask_path), expected)
    assert read_image_2d(image_path).shape == (6, 7)


def test_pair_files_nifti(tmp_path, rng):
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    image = rng.normal(size=(6, 7)).astype(np.float32)
    mask = (image > 0).astype(np.uint8)
    for folder, array in (("images", image), ("masks", mask)):  # one slice, stored (X, Y, 1)
        nib.save(nib.Nifti1Image(array.T[:, :, None], np.eye(4)),
                 tmp_path / folder / "case1.nii.gz")
    [(stem, image_path, mask_path)] = pair_files(tmp_path / "images", tmp_path / "masks")
    assert stem == "case1"
    np.testing.assert_array_equal(read_image_2d(mask_path), mask)
    np.testing.assert_array_equal(read_image_2d(image_path), image)


def test_pair_files_image_without_mask(tmp_path, rng):
    _pair(tmp_path, rng)
    (tmp_path / "masks" / "b.png").unlink()
    with pytest.raises(DataError, match="1 image\\(s\\) .* have no mask .* e.g. b;"):
        pair_files(tmp_path / "images", tmp_path / "masks")
    (tmp_path / "images" / "b.png").unlink()
    (tmp_path / "masks" / "extra.png").write_bytes((tmp_path / "masks" / "a.png").read_bytes())
    assert [stem for stem, _, _ in pair_files(tmp_path / "images", tmp_path / "masks")] == ["a"]


def test_pair_files_missing_folder_or_images(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        pair_files(tmp_path / "images", tmp_path / "masks")
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    with pytest.raises(DataError, match="holds no image files"):
        pair_files(tmp_path / "images", tmp_path / "masks")


def test_read_image_2d_grey_levels(tmp_path, rng):
    rgb = rng.integers(0, 255, size=(5, 6, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    expected = np.asarray(Image.fromarray(rgb).convert("L"))  # ITU-R 601-2 luma
    np.testing.assert_array_equal(read_image_2d(tmp_path / "rgb.png"), expected)
    deep = np.array([[0, 300], [4000, 65535]], np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    np.testing.assert_array_equal(read_image_2d(tmp_path / "deep.png"), deep)  # not clipped


def test_read_image_2d_bad_files(tmp_path, rng):
    (tmp_path / "x.png").write_text("not an image")
    with pytest.raises(DataError, match="could not be read as an image"):
        read_image_2d(tmp_path / "x.png")
    nib.save(nib.Nifti1Image(rng.normal(size=(4, 4, 3)).astype(np.float32), np.eye(4)),
             tmp_path / "vol.nii.gz")
    with pytest.raises(DataError, match="a single 2D image"):
        read_image_2d(tmp_path / "vol.nii.gz")
