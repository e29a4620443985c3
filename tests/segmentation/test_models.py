"""Comparison networks and the FCN-8s encoder: shapes, and a short fit that learns."""

from __future__ import annotations

import pytest
import torch

from common.segmentation import (ResUNetPlusPlus, VGGEncoder, res_unet, res_unet_plus_plus,
                                 segmentation_loss, unet_plus_plus)
from common.errors import CourseError


@pytest.mark.parametrize("factory", [
    lambda: unet_plus_plus(1, 3, features=(4, 4, 8, 8, 16, 4)),
    lambda: res_unet(1, 3, channels=(4, 8, 16)),
    lambda: res_unet_plus_plus(1, 3, features=(4, 8, 8, 16)),
])
def test_logits_shape(factory):
    torch.manual_seed(0)
    net = factory().eval()
    with torch.no_grad():
        out = net(torch.randn(2, 1, 32, 32))
    assert isinstance(out, torch.Tensor) and tuple(out.shape) == (2, 3, 32, 32)


def test_vgg_encoder_strides():
    enc = VGGEncoder(1, widths=(4, 8, 12, 16, 20))
    shapes = [tuple(t.shape) for t in enc(torch.zeros(1, 1, 64, 96))]
    assert shapes == [(1, 12, 8, 12), (1, 16, 4, 6), (1, 20, 2, 3)]
    convs = [sum(isinstance(m, torch.nn.Conv2d) for m in s) for s in enc.stages]
    assert convs == [2, 2, 3, 3, 3]


def test_resunetpp_rejects_wrong_widths():
    with pytest.raises(ValueError):
        ResUNetPlusPlus(1, 2, features=(4, 8))


def test_losses_decrease_on_a_tiny_problem():
    torch.manual_seed(0)
    x = torch.rand(4, 1, 16, 16)
    y = (x > 0.5).long()
    from monai.losses import DiceLoss

    soft_dice = DiceLoss(to_onehot_y=True, softmax=True)   # the lab's students write their own
    for kind in ("dice", "ce", "dice_ce"):
        net = res_unet(1, 2, channels=(4, 8))
        loss_fn = segmentation_loss(kind, dice_loss=soft_dice)
        opt = torch.optim.Adam(net.parameters(), 1e-2)
        first = None
        for _ in range(30):
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            first = loss.item() if first is None else first
        assert loss.item() < first, kind
    with pytest.raises(CourseError, match="choose one of"):
        segmentation_loss("focal")
    with pytest.raises(CourseError, match="needs a soft Dice loss"):
        segmentation_loss("dice_ce")
