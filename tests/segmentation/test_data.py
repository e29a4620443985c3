"""The image/mask-folder loader: split and flat layouts, any image size, 0/1 and 0/255 masks,
a held-out validation part, the labelled splits a lab scores on, clear errors."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import torch
from PIL import Image

from common.errors import DataError
from common.segmentation.data import (SegDataset, labelled_splits, load_seg_data, load_seg_split,
                                     seg_loader, to_original_size)


def _write(folder, name, array):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array.astype(np.uint8), mode="L").save(folder / name)


def _dataset(root, rng, with_val=True, size=16):
    for split, n in [("train", 5), ("val", 2), ("test", 2)]:
        if split == "val" and not with_val:
            continue
        for i in range(n):
            image = rng.integers(0, 255, (size, size))
            _write(root / "toy" / split / "images", f"{split}{i}.png", image)
            if split != "test":
                _write(root / "toy" / split / "masks", f"{split}{i}.png", (image > 128) * 255)


def test_loads_three_splits(tmp_path, rng):
    _dataset(tmp_path, rng)
    data = load_seg_data("toy", root=tmp_path)
    assert data.train.ids == [f"train{i}" for i in range(5)]
    assert data.train.images.shape == (5, 16, 16) and data.train.images.dtype == np.float32
    assert data.train.images.max() <= 1.0 and set(np.unique(data.train.masks)) <= {0, 1}
    assert np.array_equal(data.train.masks[0], (data.train.images[0] * 255 > 128).astype(np.uint8))
    assert data.test.masks is None and len(data.val.ids) == 2


def test_validation_split_off_train_when_absent(tmp_path, rng):
    _dataset(tmp_path, rng, with_val=False)
    data = load_seg_data("toy", root=tmp_path, val_fraction=0.4)
    assert len(data.val.ids) == 2 and len(data.train.ids) == 3
    assert not set(data.val.ids) & set(data.train.ids)


def test_resize(tmp_path, rng):
    _dataset(tmp_path, rng, size=20)
    data = load_seg_data("toy", root=tmp_path, size=8)
    assert data.train.images.shape == (5, 8, 8) and data.train.masks.shape == (5, 8, 8)


def test_missing_things_are_explained(tmp_path, rng):
    with pytest.raises(DataError, match="dlmia data build"):
        load_seg_data("nothing", root=tmp_path)
    _dataset(tmp_path, rng)
    (tmp_path / "toy" / "train" / "masks" / "train0.png").unlink()
    with pytest.raises(DataError, match="have no mask"):
        load_seg_split(tmp_path / "toy" / "train")
    with pytest.raises(DataError, match="masks/ folder"):
        load_seg_split(tmp_path / "toy" / "test")


def test_nifti_and_16_bit_images_are_scaled_to_unit_range(tmp_path, rng):
    split = tmp_path / "train"
    for folder in ("images", "masks"):
        (split / folder).mkdir(parents=True)
    ct = rng.normal(40.0, 300.0, size=(8, 8)).astype(np.float32)  # e.g. HU, one slice
    nib.save(nib.Nifti1Image(ct.T[:, :, None], np.eye(4)), split / "images" / "a.nii.gz")
    nib.save(nib.Nifti1Image((ct > 0).T[:, :, None].astype(np.uint8), np.eye(4)),
             split / "masks" / "a.nii.gz")
    deep = rng.integers(0, 4096, size=(8, 8)).astype(np.uint16)  # 12-bit in a 16-bit PNG
    Image.fromarray(deep).save(split / "images" / "b.png")
    _write(split / "masks", "b.png", (deep > 2048) * 255)
    data = load_seg_split(split)
    assert data.ids == ["a", "b"]
    np.testing.assert_allclose(data.images[0], (ct - ct.min()) / (ct.max() - ct.min()), atol=1e-6)
    np.testing.assert_allclose(data.images[1], (deep - deep.min()) / float(deep.max() - deep.min()),
                               atol=1e-6)
    np.testing.assert_array_equal(data.masks[0], (ct > 0).astype(np.uint8))
    np.testing.assert_array_equal(data.masks[1], (deep > 2048).astype(np.uint8))


def test_dataset_and_loader_shapes(rng):
    images = rng.random((6, 8, 8)).astype(np.float32)
    masks = (images > 0.5).astype(np.uint8)
    x, y = SegDataset(images, masks, augment=True)[0]
    assert x.shape == (1, 8, 8) and y.shape == (1, 8, 8) and y.dtype == torch.int64
    assert torch.equal(y, (x > 0.5).long()), "flips and rotations move image and mask together"
    a = [b[0] for b in seg_loader(images, masks, 4, shuffle=True, augment=True, seed=1)]
    b = [b[0] for b in seg_loader(images, masks, 4, shuffle=True, augment=True, seed=1)]
    assert all(torch.equal(p, q) for p, q in zip(a, b)), "the same seed gives the same batches"


def _flat(root, rng, n=10, suffix="", ext="png", sizes=((20, 24), (18, 30))):
    """A Kvasir-SEG-style flat folder: images/ and masks/ of 0/255 masks, sizes that differ."""
    for i in range(n):
        h, w = sizes[i % len(sizes)]
        image = rng.integers(0, 255, (h, w))
        _write(root / "flat" / "images", f"im{i}.{ext}", image)
        _write(root / "flat" / "masks", f"im{i}{suffix}.{ext}", (image > 128) * 255)


def test_flat_folder_of_any_size_with_mask_suffix(tmp_path, rng):
    _flat(tmp_path, rng, suffix="_segmentation")
    data = load_seg_data("flat", root=tmp_path, size=16, val_fraction=0.2)
    assert data.test is None and len(data.val.ids) == 2 and len(data.train.ids) == 8
    assert data.train.images.shape == (8, 16, 16) and set(np.unique(data.train.masks)) <= {0, 1}
    assert sorted(data.train.ids + data.val.ids) == sorted(f"im{i}" for i in range(10))
    assert {tuple(s) for s in data.train.sizes} == {(20, 24), (18, 30)}
    with pytest.raises(DataError, match="different sizes"):
        load_seg_data("flat", root=tmp_path)


def test_jpeg_masks_of_0_and_255_keep_their_shape(tmp_path, rng):
    """Compression noise around 0 and 255 is not foreground: the mask is thresholded at 128."""
    folder = tmp_path / "train"
    square = np.zeros((32, 32), np.uint8)
    square[8:24, 10:20] = 255
    for sub, array in (("images", rng.integers(0, 255, (32, 32))), ("masks", square)):
        (folder / sub).mkdir(parents=True)
        Image.fromarray(array.astype(np.uint8), mode="L").save(folder / sub / "a.jpg", quality=75)
    mask = load_seg_split(folder).masks[0]
    assert np.asarray(Image.open(folder / "masks" / "a.jpg")).max() > 127
    assert (mask != (square > 0)).mean() < 0.02
    _write(folder / "masks", "b.png", np.eye(32, dtype=np.uint8))            # a 0/1 mask
    _write(folder / "images", "b.png", rng.integers(0, 255, (32, 32)))
    np.testing.assert_array_equal(load_seg_split(folder).masks[1], np.eye(32, dtype=np.uint8))


def test_mask_of_another_size_and_empty_folder_are_explained(tmp_path, rng):
    _write(tmp_path / "toy" / "train" / "images", "a.png", rng.integers(0, 255, (10, 10)))
    _write(tmp_path / "toy" / "train" / "masks", "a.png", np.zeros((10, 12)))
    with pytest.raises(DataError, match="not the size of its image"):
        load_seg_split(tmp_path / "toy" / "train")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="neither train/images"):
        load_seg_data("empty", root=tmp_path)


def test_labelled_splits_never_score_on_images_that_chose(tmp_path, rng):
    _dataset(tmp_path, rng)
    data = load_seg_data("toy", root=tmp_path)
    splits = labelled_splits(data, monitor_fraction=0.2)
    assert splits.evaluate_name == "val" and splits.evaluate.ids == data.val.ids
    assert len(splits.monitor.ids) == 1 and len(splits.train.ids) == 4
    assert not set(splits.monitor.ids) & set(splits.train.ids)
    assert "no masks" in splits.note
    for i in range(2):   # a labelled test split is the evaluation split, val picks the epoch
        _write(tmp_path / "toy" / "test" / "masks", f"test{i}.png", np.zeros((16, 16)))
    splits = labelled_splits(load_seg_data("toy", root=tmp_path))
    assert splits.evaluate_name == "test" and splits.monitor.ids == data.val.ids
    assert splits.train.ids == data.train.ids


def test_to_original_size():
    from common.segmentation.data import SegSplit
    split = SegSplit(["a", "b"], np.zeros((2, 4, 4), np.float32), None, [(8, 6), (4, 4)])
    masks = np.zeros((2, 4, 4), np.uint8)
    masks[0, :2] = 1
    back = to_original_size(masks, split)
    assert back[0].shape == (8, 6) and back[0][:4].all() and not back[0][4:].any()
    assert back[1].shape == (4, 4) and back[1].dtype == bool
