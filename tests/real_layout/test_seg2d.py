"""lab04 on seg2d laid out as real downloads (Kvasir-SEG, ISIC 2018): no manifest, no answer key.

The folders are made from a small phantom by :func:`tests.real_layout.seg2d.make_real_layout`;
the lab's smoke configuration runs on each to the end, and the folder is byte-for-byte the same
afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from common.phantoms import seg2d
from common.segmentation import labelled_splits, load_seg_data
from real_layout.smoke import run_smoke_untouched, small_phantom
from real_layout.seg2d import make_real_layout, real_name

SPLITS = {"train": 24, "val": 8, "test": 8}
LAB = "lab04_segmentation"


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    return small_phantom(seg2d, tmp_path_factory.mktemp("phantom") / "seg2d", SPLITS=SPLITS)


@pytest.fixture(scope="module", params=["kvasir", "isic"])
def real_root(request, phantom, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"real_{request.param}")
    make_real_layout(phantom, root / "seg2d", layout=request.param)
    return request.param, root


def test_layout_is_real(real_root):
    layout, root = real_root
    folder = root / "seg2d"
    assert sorted(p.name for p in root.iterdir()) == ["seg2d"], "no answer keys, no manifest"
    if layout == "kvasir":
        assert sorted(p.name for p in folder.iterdir()) == ["images", "kavsir_bboxes.json", "masks"]
        masks = sorted((folder / "masks").iterdir())
        assert all(p.suffix == ".jpg" and len(p.stem) == 25 for p in masks)
    else:
        assert sorted(p.name for p in folder.iterdir()) == ["test", "train", "val"]
        masks = sorted((folder / "train" / "masks").iterdir())
        assert all(p.name.startswith("ISIC_") and p.name.endswith("_segmentation.png") for p in masks)
    images = sorted(folder.rglob("images/*.jpg"))
    assert len(images) == sum(SPLITS.values()) and len({p.stem for p in images}) == len(images)
    sizes = {Image.open(p).size for p in images}
    assert len(sizes) > 1 and (seg2d.SIZE, seg2d.SIZE) not in sizes
    assert Image.open(images[0]).mode == "RGB"
    mask = np.asarray(Image.open(masks[0]))
    assert mask.dtype == np.uint8 and mask.max() > 127


def test_data_check_accepts_it(real_root):
    _, root = real_root
    done = subprocess.run([sys.executable, "-m", "common.cli", "data", "check", "seg2d",
                           str(root / "seg2d")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stdout + done.stderr


def test_reads_back_as_the_phantom(real_root, phantom):
    layout, root = real_root
    data = load_seg_data("seg2d", root=root, size=seg2d.SIZE)
    splits = labelled_splits(data)
    if layout == "kvasir":
        assert data.test is None and splits.evaluate_name == "val"
    else:
        assert data.test.masks is not None and splits.evaluate_name == "test"
        assert data.test.ids == sorted(real_name(f"test_{i:04d}", "isic") for i in range(SPLITS["test"]))
    # every phantom mask comes back, resized twice, within a few pixels of its boundary
    original = {real_name(p.stem, layout): np.asarray(Image.open(p)) > 0
                for p in (phantom / "train" / "masks").glob("*.png")}
    found = 0
    for split in (data.train, data.val):
        for image_id, mask in zip(split.ids, split.masks):
            if image_id in original:
                found += 1
                assert (mask != original[image_id]).mean() < 0.05
    assert found == SPLITS["train"]
    assert all(len(s) == 2 and s != (seg2d.SIZE, seg2d.SIZE) for s in data.train.sizes)


@pytest.mark.slow
def test_lab_smoke_runs_on_the_real_layout_and_leaves_it_untouched(real_root, tmp_path):
    layout, root = real_root
    run = run_smoke_untouched(LAB, root, tmp_path / "runs", timeout=600)
    metrics = json.loads((run / "metrics.json").read_text())
    assert "leaderboard_dice" not in metrics
    assert 0 <= metrics["dice_best"] <= 1 and 0 <= metrics["boundary_f1_best"] <= 1
    executed = (run / f"{LAB}.ipynb").read_text()
    if layout == "kvasir":
        assert metrics["evaluation_split"] == "val"
        assert "no test images" in executed and not (run / "submission.csv").exists()
    else:
        assert metrics["evaluation_split"] == "test"
        assert "No answer key next to the data" in executed
        sub = pd.read_csv(run / "submission.csv", dtype=str, keep_default_na=False)
        assert sorted(sub["ImageId"]) == sorted(p.stem for p in (root / "seg2d" / "test" / "images").iterdir())
        for image_id, rle in zip(sub["ImageId"], sub["EncodedPixels"]):   # masks at each image's size
            width, height = Image.open(root / "seg2d" / "test" / "images" / f"{image_id}.jpg").size
            runs = [int(v) for v in rle.split()]
            assert not runs or runs[-2] + runs[-1] - 1 <= height * width
