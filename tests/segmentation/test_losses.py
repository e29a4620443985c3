"""The lab's losses: cross-entropy and the sum with a soft Dice loss equal MONAI's, and training
with the lab's own soft Dice loss follows MONAI's DiceCELoss step for step."""

from __future__ import annotations

import json

import pytest
import torch
from monai.losses import DiceCELoss, DiceLoss
from torch import nn

from common.errors import CourseError
from common.paths import repo_root
from common.segmentation.losses import segmentation_loss


def _batch(seed=0, classes=2):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(3, classes, 10, 12, generator=g) * 3,
            torch.randint(0, classes, (3, 1, 10, 12), generator=g))


def _solution_soft_dice():
    """The reference solution's ``soft_dice_loss``, from the lab's source notebook."""
    nb = json.loads((repo_root() / "solutions" / "lab04_segmentation" /
                     "lab04_segmentation.ipynb").read_text())
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "soft_dice")
    scope = {"torch": torch, "nn": nn}
    exec("".join(cell["source"]), scope)
    return scope["soft_dice_loss"]


@pytest.mark.parametrize("classes", [2, 3])
def test_losses_equal_monai(classes):
    logits, labels = _batch(classes=classes)
    monai_dice = DiceLoss(to_onehot_y=True, softmax=True)
    got = segmentation_loss("dice_ce", dice_loss=monai_dice)(logits, labels)
    assert float(got) == pytest.approx(float(DiceCELoss(to_onehot_y=True, softmax=True)(logits, labels)), abs=1e-6)
    ce = DiceCELoss(to_onehot_y=True, softmax=True, lambda_dice=0.0)(logits, labels)
    assert float(segmentation_loss("ce")(logits, labels)) == pytest.approx(float(ce), abs=1e-6)
    assert segmentation_loss("dice", dice_loss=monai_dice) is monai_dice


def test_a_dice_loss_is_needed_and_names_are_checked():
    with pytest.raises(CourseError, match="dice_loss="):
        segmentation_loss("dice_ce")
    with pytest.raises(CourseError, match="Unknown loss"):
        segmentation_loss("focal")


def test_training_with_the_solution_follows_monai():
    """Five Adam steps of a small network: the same weights with the lab's loss as with MONAI's."""
    soft_dice = _solution_soft_dice()
    logits, labels = _batch(seed=1)
    images = logits[:, :1]
    weights = []
    for dice in (soft_dice, DiceLoss(to_onehot_y=True, softmax=True)):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 2, 1))
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        loss_fn = segmentation_loss("dice_ce", dice_loss=dice)
        for _ in range(5):
            opt.zero_grad()
            loss_fn(net(images), labels).backward()
            opt.step()
        weights.append(torch.cat([p.detach().flatten() for p in net.parameters()]))
    assert torch.allclose(weights[0], weights[1], atol=1e-5)
