"""The seg2d phantom: layout, determinism, masks that match the images, hidden test masks, and
the hard parts (several objects, faint rims, distractors, noise) that keep scores off the ceiling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.phantoms import seg2d
from common.answer_keys import MASK_KEY_COLUMNS, key_masks, read_answer_key, read_mask_key
from common.phantoms.build import sha256_of


@pytest.fixture
def small_splits(monkeypatch):
    monkeypatch.setattr(seg2d, "SPLITS", {"train": 3, "val": 2, "test": 2})


def _build(root, seed=0):
    out = root / "seg2d"
    out.mkdir(parents=True)
    seg2d.build(out, seed=seed)
    return out


def test_module_contract():
    assert seg2d.NAME == "seg2d" and seg2d.VERSION == 4 and seg2d.DESCRIPTION
    assert callable(seg2d.build)


def test_layout_and_hidden_test_masks(tmp_path, small_splits):
    out = _build(tmp_path)
    assert sorted(p.name for p in (out / "train" / "images").iterdir()) == [
        "train_0000.png", "train_0001.png", "train_0002.png"]
    assert (out / "val" / "masks" / "val_0001.png").is_file()
    assert not (out / "test" / "masks").exists(), "test masks must not ship with the data"
    key = read_mask_key("seg2d", "test_masks", root=tmp_path)
    assert key["ImageId"].tolist() == ["test_0000", "test_0001"]
    mask = key_masks(key)["test_0000"]
    assert mask.shape == (seg2d.SIZE, seg2d.SIZE) and 0.03 < mask.mean() < 0.5


def test_key_holds_the_rendered_masks_without_run_length_encoding(tmp_path, small_splits):
    """The key stores each test mask losslessly, and not in lab04's graded RLE format: the
    builder works in the students' copy, where the course's encoder is left out."""
    _build(tmp_path)
    raw = read_answer_key("seg2d", "test_masks", root=tmp_path)
    assert raw.columns.tolist() == list(MASK_KEY_COLUMNS) and "EncodedPixels" not in raw
    masks = key_masks(read_mask_key("seg2d", "test_masks", root=tmp_path))
    rng = np.random.default_rng(0)
    for split, count in seg2d.SPLITS.items():   # replay the public stream up to the test split
        for i in range(count):
            _, mask = seg2d.render_case(rng)
            if split == "test":
                assert np.array_equal(masks[f"test_{i:04d}"], mask > 0)
    source = Path(seg2d.__file__).read_text()
    assert "rle_encode" not in source and "io.rle" not in source, "the builder uses no RLE codec"


def test_same_seed_gives_identical_files(tmp_path, small_splits):
    a, b = _build(tmp_path / "a"), _build(tmp_path / "b")
    files = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert files and all(sha256_of(a / f) == sha256_of(b / f) for f in files)
    c = _build(tmp_path / "c", seed=1)
    assert sha256_of(a / files[0]) != sha256_of(c / files[0])


def test_images_and_masks_agree(tmp_path, small_splits):
    out = _build(tmp_path)
    image = np.asarray(Image.open(out / "train" / "images" / "train_0000.png"), float)
    mask = np.asarray(Image.open(out / "train" / "masks" / "train_0000.png"))
    assert image.shape == mask.shape == (seg2d.SIZE, seg2d.SIZE)
    assert set(np.unique(mask)) == {0, 255}
    assert image[mask > 0].mean() > image[mask == 0].mean() + 25, "the structure is brighter"


def test_masks_have_thin_parts(rng):
    """Thin branches: an opening with a 5x5 square removes a clear share of the mask."""
    from scipy import ndimage

    shares = []
    for _ in range(5):
        _, mask = seg2d.render_case(rng)
        m = mask > 0
        opened = ndimage.binary_opening(m, structure=np.ones((5, 5)))
        shares.append(1 - opened.sum() / m.sum())
    assert np.mean(shares) > 0.04


def test_cases_vary_and_are_not_trivially_separable(rng):
    """Several objects in some images, a range of sizes, and no grey-level threshold that
    reproduces the mask (faint rims, distractors, bias field and noise)."""
    from scipy import ndimage

    counts, areas, best_dice = [], [], []
    for _ in range(12):
        image, mask = seg2d.render_case(rng)
        m = mask > 0
        counts.append(ndimage.label(m)[1])
        areas.append(m.mean())
        dices = [2 * (m & (image >= t)).sum() / (m.sum() + (image >= t).sum())
                 for t in range(40, 220, 4)]
        best_dice.append(max(dices))
    assert max(counts) >= 2 and min(counts) == 1
    assert max(areas) > 2 * min(areas)
    assert np.mean(best_dice) < 0.85, "a global threshold must not segment the images"
