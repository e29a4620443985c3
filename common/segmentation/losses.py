"""The three training losses of lab04: soft Dice, cross-entropy, and their sum.

The soft Dice loss is the one students write in the lab (its reference, MONAI's ``DiceLoss``,
stays in the lab's hidden tests); this module only combines it with PyTorch's cross-entropy, the
way MONAI's ``DiceCELoss`` does (the sum of the two, each a mean). Every loss takes logits
(B, C, H, W) and integer label maps (B, 1, H, W).
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ..errors import CourseError

__all__ = ["segmentation_loss", "LOSS_NAMES"]

LOSS_NAMES = ("dice", "ce", "dice_ce")

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class _CrossEntropy(nn.Module):
    """Pixel-wise cross-entropy of logits (B, C, H, W) against labels (B, 1, H, W)."""

    def __init__(self):
        super().__init__()
        self.ce = nn.CrossEntropyLoss()

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.ce(logits, labels[:, 0].long())


class _DiceCE(nn.Module):
    """``dice_loss(logits, labels) + cross-entropy``."""

    def __init__(self, dice_loss: Loss):
        super().__init__()
        self.dice_loss, self.ce = dice_loss, _CrossEntropy()

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.dice_loss(logits, labels) + self.ce(logits, labels)


def segmentation_loss(kind: str = "dice_ce", dice_loss: Loss | None = None) -> Loss:
    """Soft Dice, cross-entropy, or their sum.

    Args:
        kind: ``"dice"`` (``dice_loss`` itself), ``"ce"`` (cross-entropy) or ``"dice_ce"``
            (``dice_loss`` + cross-entropy).
        dice_loss: a soft Dice loss ``f(logits (B, C, H, W), labels (B, 1, H, W)) -> scalar``
            (the lab's own); needed for ``"dice"`` and ``"dice_ce"``.

    Returns:
        A loss ``loss(logits (B, C, H, W), labels (B, 1, H, W)) -> scalar``.

    Raises:
        CourseError: an unknown ``kind``, or a Dice loss asked for without ``dice_loss``.
    """
    if kind not in LOSS_NAMES:
        raise CourseError(f"Unknown loss {kind!r}; choose one of {', '.join(LOSS_NAMES)}.")
    if kind == "ce":
        return _CrossEntropy()
    if dice_loss is None:
        raise CourseError(f"The {kind!r} loss needs a soft Dice loss: pass "
                          f"dice_loss=<your soft Dice function>.")
    return dice_loss if kind == "dice" else _DiceCE(dice_loss)
