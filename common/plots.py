"""Figures shared by the labs: learning curves, confusion matrices, ROC curves, image grids."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, RocCurveDisplay

__all__ = ["plot_learning_curves", "plot_confusion_matrix", "plot_roc_curves", "plot_image_grid"]


def plot_learning_curves(history: pd.DataFrame, title: str = "Learning curves") -> plt.Figure:
    """Loss (left) and every ``val_<metric>`` (right) per epoch.

    Args:
        history: ``History.frame`` from :func:`common.training.fit`.
    """
    metric_cols = [c for c in history.columns if c.startswith("val_") and c != "val_loss"]
    fig, axes = plt.subplots(1, 2 if metric_cols else 1, figsize=(10 if metric_cols else 5, 3.5))
    axes = np.atleast_1d(axes)
    axes[0].plot(history["epoch"], history["train_loss"], label="train")
    if "val_loss" in history:
        v = history.dropna(subset=["val_loss"])
        axes[0].plot(v["epoch"], v["val_loss"], "o-", label="validation")
    axes[0].set(xlabel="epoch", ylabel="loss", title="loss")
    axes[0].legend()
    if metric_cols:
        for col in metric_cols:
            v = history.dropna(subset=[col])
            axes[1].plot(v["epoch"], v[col], "o-", label=col.removeprefix("val_"))
        axes[1].set(xlabel="epoch", title="validation metrics")
        axes[1].legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true, y_pred, labels: Sequence | None = None,
                          normalize: str | None = None, title: str = "Confusion matrix") -> plt.Figure:
    """Confusion matrix via scikit-learn's ``ConfusionMatrixDisplay``."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=labels, normalize=normalize,
                                            ax=ax, colorbar=False, cmap="Blues")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_roc_curves(y_true, scores: Mapping[str, Sequence[float]],
                    title: str = "ROC curves") -> plt.Figure:
    """One ROC curve per named score vector, on one axis (binary problems)."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    for name, score in scores.items():
        RocCurveDisplay.from_predictions(y_true, score, name=name, ax=ax)
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images: Sequence[np.ndarray], titles: Sequence[str] | None = None,
                    ncols: int = 8, cmap: str = "gray", size: float = 1.4) -> plt.Figure:
    """A grid of 2D images with optional titles."""
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15))
    axes = np.atleast_1d(axes).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    return fig
