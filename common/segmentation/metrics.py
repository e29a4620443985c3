"""Per-image segmentation metrics for binary masks, thin over MONAI and torchmetrics.

Dice and IoU come from MONAI (``compute_dice``, ``compute_iou``); the pixel counts behind pixel
accuracy, mean pixel accuracy, mean IoU, precision and recall from torchmetrics
(``binary_stat_scores``, per image); boundary F1 from :mod:`common.segmentation.boundary`; the
95th-percentile Hausdorff distance from MONAI (``compute_hausdorff_distance``), in pixels.
Mean pixel accuracy and mean IoU average the background and foreground classes.

Empty masks: Dice, IoU and the other ratios score 1.0 when prediction and truth are both empty;
HD95 is 0.0 then, and the image's diagonal (the largest distance the image allows) when exactly
one of the two is empty (MONAI gives NaN there, which would drop the worst images from a mean).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from monai.metrics import compute_dice, compute_hausdorff_distance, compute_iou
from torchmetrics.functional.classification import binary_stat_scores

from ..errors import ShapeError
from .boundary import boundary_f1

__all__ = ["dice_scores", "hd95_scores", "segmentation_scores", "summarize_scores", "METRIC_NAMES"]

#: Column order of :func:`segmentation_scores`.
METRIC_NAMES = ("dice", "iou", "pixel_accuracy", "mean_pixel_accuracy", "mean_iou",
                "boundary_f1", "hd95", "precision", "recall")


def _ratio(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    """num / den, with 1.0 where both are zero (nothing to find, nothing found)."""
    out = num.double() / den.double().clamp(min=1)
    return torch.where(den == 0, torch.ones_like(out), out)


def _binary_masks(pred, target) -> tuple[torch.Tensor, torch.Tensor]:
    p = torch.as_tensor(np.asarray(pred) != 0)
    t = torch.as_tensor(np.asarray(target) != 0)
    if p.shape != t.shape or p.ndim != 3:
        raise ShapeError(f"pred and target must both be (N, H, W) masks, got {tuple(p.shape)} and "
                         f"{tuple(t.shape)}; pass arg-max masks, not logits.")
    return p, t


def dice_scores(pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor) -> np.ndarray:
    """Dice of each image (MONAI ``compute_dice``); 1.0 where both masks are empty.

    Args:
        pred: (N, H, W) predicted binary masks (non-zero is foreground).
        target: (N, H, W) true binary masks.

    Returns:
        (N,) float64 array.

    Example:
        >>> dice_scores(np.ones((1, 2, 2)), np.eye(2)[None]).round(3).tolist()
        [0.667]
    """
    p, t = _binary_masks(pred, target)
    dice = compute_dice(p[:, None].float(), t[:, None].float(), include_background=True,
                        ignore_empty=False)[:, 0]
    return dice.double().numpy()


def hd95_scores(pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor) -> np.ndarray:
    """95th-percentile Hausdorff distance of each image, in pixels (MONAI, symmetric, Euclidean).

    Args:
        pred: (N, H, W) predicted binary masks (non-zero is foreground).
        target: (N, H, W) true binary masks.

    Returns:
        (N,) float64 array: 0.0 where both masks are empty, the image diagonal where exactly one
        is.

    Example:
        >>> a = np.zeros((1, 9, 9)); a[0, 2:5, 2:5] = 1
        >>> hd95_scores(a, np.roll(a, 2, axis=2)).tolist()
        [2.0]
    """
    p, t = _binary_masks(pred, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # MONAI warns about every empty mask
        hd = compute_hausdorff_distance(p[:, None].float(), t[:, None].float(),
                                        include_background=True, percentile=95)[:, 0]
    out = hd.double().numpy().copy()
    p_empty, t_empty = (~p.flatten(1).any(1)).numpy(), (~t.flatten(1).any(1)).numpy()
    out[p_empty & t_empty] = 0.0
    out[p_empty ^ t_empty] = float(np.hypot(*p.shape[1:]))
    return out


def segmentation_scores(pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor,
                        ids: list[str] | None = None, tolerance: float = 2.0) -> pd.DataFrame:
    """Every metric of the lab, one row per image.

    Args:
        pred: (N, H, W) predicted binary masks (non-zero is foreground).
        target: (N, H, W) true binary masks.
        ids: optional image ids for the index.
        tolerance: boundary F1 tolerance in pixels.

    Returns:
        DataFrame with the columns of :data:`METRIC_NAMES`. An image whose true and predicted
        masks are both empty scores 1.0 everywhere (HD95: 0.0).
    """
    p, t = _binary_masks(pred, target)
    iou = compute_iou(p[:, None].float(), t[:, None].float(), include_background=True,
                      ignore_empty=False)[:, 0]
    # torchmetrics squeezes a batch of one image to a scalar and then fails; pad with a copy.
    stats = binary_stat_scores(torch.cat([p, p[:1]]).long(), torch.cat([t, t[:1]]).long(),
                               multidim_average="samplewise")[:len(p)]
    tp, fp, tn, fn, _ = stats.T
    total = tp + fp + tn + fn
    fg_acc, bg_acc = _ratio(tp, tp + fn), _ratio(tn, tn + fp)
    fg_iou, bg_iou = _ratio(tp, tp + fp + fn), _ratio(tn, tn + fp + fn)
    table = pd.DataFrame({
        "dice": dice_scores(p, t),
        "iou": iou.double().numpy(),
        "pixel_accuracy": ((tp + tn).double() / total.double()).numpy(),
        "mean_pixel_accuracy": ((fg_acc + bg_acc) / 2).numpy(),
        "mean_iou": ((fg_iou + bg_iou) / 2).numpy(),
        "boundary_f1": [boundary_f1(a.numpy(), b.numpy(), tolerance) for a, b in zip(p, t)],
        "hd95": hd95_scores(p, t),
        "precision": _ratio(tp, tp + fp).numpy(),
        "recall": _ratio(tp, tp + fn).numpy(),
    }, index=pd.Index(ids, name="ImageId") if ids is not None else None)
    return table[list(METRIC_NAMES)]


def summarize_scores(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Mean of every metric per model: ``{model: per-image table}`` → one row per model."""
    return pd.DataFrame({name: t.mean() for name, t in tables.items()}).T.rename_axis("model")
