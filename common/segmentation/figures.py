"""Figures of lab04: overlays, per-image score distributions, and a boundary close-up."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle
from scipy import ndimage

__all__ = ["plot_overlays", "plot_score_distributions", "plot_boundary_closeup",
           "closeup_window"]

_TRUE, _PRED = "#2ca02c", "#d62728"


def _contour(ax, mask, color):
    mask = np.asarray(mask, float)
    if mask.min() < 0.5 < mask.max():  # a constant mask has no contour (and would warn)
        ax.contour(mask, levels=[0.5], colors=color, linewidths=1.0)


def _contours(ax, image, target, pred=None):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    _contour(ax, target, _TRUE)
    if pred is not None:
        _contour(ax, pred, _PRED)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_overlays(images: np.ndarray, targets: np.ndarray, preds: Mapping[str, np.ndarray],
                  ids: Sequence[str], rows: Sequence[int] | None = None,
                  scores: Mapping[str, pd.DataFrame] | None = None) -> plt.Figure:
    """Images with the true contour (green) and each model's predicted contour (red).

    Args:
        images: (N, H, W) images in [0, 1].
        targets: (N, H, W) true masks.
        preds: ``{model name: (N, H, W) predicted masks}``.
        ids: the N image ids.
        rows: which images to show (default the first four).
        scores: optional ``{model name: per-image table}``; the Dice is printed in the titles.
    """
    rows = list(rows if rows is not None else range(min(4, len(images))))
    cols = ["image + mask"] + list(preds)
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(2.0 * len(cols), 2.1 * len(rows)),
                             squeeze=False)
    if not preds:  # samples only: one row
        fig, axes = plt.subplots(1, len(rows), figsize=(2.0 * len(rows), 2.3), squeeze=False)
        axes = axes.T
    for r, i in enumerate(rows):
        for c, name in enumerate(cols):
            ax = axes[r, c]
            if c == 0:
                _contours(ax, images[i], targets[i])
                ax.set_title(f"{ids[i]}", fontsize=8)
            else:
                _contours(ax, images[i], targets[i], preds[name][i])
                dice = f" Dice {scores[name]['dice'].iloc[i]:.3f}" if scores else ""
                ax.set_title(f"{name}{dice}", fontsize=8)
    fig.suptitle("green: true boundary, red: predicted boundary", fontsize=9)
    fig.tight_layout()
    return fig


def plot_score_distributions(tables: Mapping[str, pd.DataFrame],
                             metrics: Sequence[str] = ("dice", "boundary_f1")) -> plt.Figure:
    """Per-image score distributions of every model: box plots with the individual images.

    Args:
        tables: ``{model name: per-image table}`` from
            :func:`common.segmentation.metrics.segmentation_scores`.
        metrics: the columns to plot, one panel each.
    """
    names = list(tables)
    fig, axes = plt.subplots(1, len(metrics), figsize=(1.3 * len(names) * len(metrics) + 1, 3.6),
                             squeeze=False)
    rng = np.random.default_rng(0)
    for ax, metric in zip(axes[0], metrics):
        data = [tables[n][metric].to_numpy() for n in names]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30)
        for k, values in enumerate(data, start=1):
            ax.plot(k + rng.uniform(-0.15, 0.15, len(values)), values, ".", alpha=0.5, ms=4)
        ax.set_title(f"per-image {metric}")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def closeup_window(pred_a: np.ndarray, pred_b: np.ndarray, target: np.ndarray,
                   size: int = 32) -> tuple[int, int, int, int]:
    """The ``size x size`` window where model B's errors exceed model A's the most.

    Args:
        pred_a, pred_b, target: (H, W) binary masks.
        size: window side in pixels.

    Returns:
        ``(row0, col0, row1, col1)`` of the window (end-exclusive).
    """
    err_a = (pred_a != 0) != (target != 0)
    err_b = (pred_b != 0) != (target != 0)
    gain = ndimage.uniform_filter(err_b.astype(float) - err_a.astype(float), size, mode="constant")
    r, c = np.unravel_index(np.argmax(gain), gain.shape)
    h, w = target.shape
    r0 = int(np.clip(r - size // 2, 0, max(h - size, 0)))
    c0 = int(np.clip(c - size // 2, 0, max(w - size, 0)))
    return r0, c0, r0 + size, c0 + size


def plot_boundary_closeup(image: np.ndarray, target: np.ndarray, pred_a: np.ndarray,
                          pred_b: np.ndarray, names: tuple[str, str] = ("U-Net", "FCN-8s"),
                          size: int = 32, title: str = "") -> plt.Figure:
    """The whole image and a zoomed window where model B loses boundaries that model A keeps.

    Args:
        image: (H, W) image in [0, 1].
        target: (H, W) true mask.
        pred_a, pred_b: (H, W) predictions of the two models.
        names: the two models' names.
        size: side of the zoomed window in pixels.
        title: figure title.
    """
    r0, c0, r1, c1 = closeup_window(pred_a, pred_b, target, size)
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.4))
    _contours(axes[0], image, target)
    axes[0].add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                                edgecolor="yellow", linewidth=1.5))
    axes[0].set_title("image, true boundary (green)", fontsize=9)
    for ax, pred, name in zip(axes[1:], (pred_a, pred_b), names):
        crop = (slice(r0, r1), slice(c0, c1))
        err = (pred[crop] != 0) != (target[crop] != 0)
        _contours(ax, image[crop], target[crop], pred[crop])
        overlay = np.zeros(err.shape + (4,))
        overlay[err] = (1.0, 0.6, 0.0, 0.45)
        ax.imshow(overlay)
        ax.set_title(f"{name}: {int(err.sum())} wrong pixels in the window", fontsize=9)
    fig.suptitle(title or f"close-up: where {names[1]} loses boundaries that {names[0]} keeps "
                 f"(red: predicted, orange: errors)", fontsize=9)
    fig.tight_layout()
    return fig
