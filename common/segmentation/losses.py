"""The three training losses of lab04, from MONAI.

Every loss takes logits (B, C, H, W) and integer label maps (B, 1, H, W).
"""

from __future__ import annotations

from monai.losses import DiceCELoss, DiceLoss
from torch import nn

from ..errors import CourseError

__all__ = ["segmentation_loss", "LOSS_NAMES"]

LOSS_NAMES = ("dice", "ce", "dice_ce")


def segmentation_loss(kind: str = "dice_ce") -> nn.Module:
    """Soft Dice, cross-entropy, or their sum.

    Args:
        kind: ``"dice"`` (MONAI ``DiceLoss`` on softmax probabilities), ``"ce"`` (cross-entropy)
            or ``"dice_ce"`` (MONAI ``DiceCELoss``: Dice + cross-entropy).

    Returns:
        A loss module ``loss(logits (B, C, H, W), labels (B, 1, H, W)) -> scalar``.
    """
    if kind == "dice":
        return DiceLoss(to_onehot_y=True, softmax=True)
    if kind == "ce":
        return DiceCELoss(to_onehot_y=True, softmax=True, lambda_dice=0.0, lambda_ce=1.0)
    if kind == "dice_ce":
        return DiceCELoss(to_onehot_y=True, softmax=True)
    raise CourseError(f"Unknown loss {kind!r}; choose one of {', '.join(LOSS_NAMES)}.")
