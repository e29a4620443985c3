"""Boundary F1 (BF score): how well predicted contours match true contours, within a tolerance.

No library ships this metric (MONAI's ``SurfaceDiceMetric`` is a different, surface-area based
score), so it is written here, after Csurka et al., "What is a good evaluation measure for semantic
segmentation?" (BMVC 2013): a predicted boundary pixel is correct when a true boundary pixel lies
within ``tolerance`` pixels of it, and vice versa.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.segmentation import find_boundaries

__all__ = ["boundary_f1", "boundary_pixels"]


def boundary_pixels(mask: np.ndarray) -> np.ndarray:
    """Inner boundary of a binary mask: foreground pixels with a background 4-neighbour.

    Args:
        mask: (H, W) array, non-zero is foreground.

    Returns:
        (H, W) boolean array.
    """
    return find_boundaries(np.asarray(mask) != 0, mode="inner")


def boundary_f1(pred: np.ndarray, target: np.ndarray, tolerance: float = 2.0) -> float:
    """Boundary F1 of one predicted mask against its ground truth.

    Args:
        pred: (H, W) predicted binary mask.
        target: (H, W) true binary mask.
        tolerance: distance in pixels within which boundary pixels match.

    Returns:
        F1 of boundary precision and recall in [0, 1]; 1.0 when both masks are empty, 0.0 when
        only one is.

    Example:
        >>> square = np.zeros((20, 20), bool); square[5:15, 5:15] = True
        >>> boundary_f1(square, square)
        1.0
    """
    pb, tb = boundary_pixels(pred), boundary_pixels(target)
    if not pb.any() and not tb.any():
        return 1.0
    if not pb.any() or not tb.any():
        return 0.0
    dist_to_t = ndimage.distance_transform_edt(~tb)
    dist_to_p = ndimage.distance_transform_edt(~pb)
    precision = float((dist_to_t[pb] <= tolerance).mean())
    recall = float((dist_to_p[tb] <= tolerance).mean())
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)
