"""lab06's figures: reconstructions (inputs on top), depths of 3D blocks, training evolution,
loss curves, the latent × geometry Spearman heatmap and a walk along one latent dimension."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["plot_reconstructions", "plot_depth_reconstructions", "plot_epoch_snapshots",
           "plot_loss_curve", "plot_spearman_heatmap", "plot_latent_walk"]


def _img(ax, image, title=None):
    ax.imshow(np.asarray(image, dtype=np.float32), cmap="gray")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=8)


def plot_reconstructions(inputs, outputs, titles: Sequence[str] | None = None,
                         title: str = "inputs (top) and reconstructions (bottom)") -> plt.Figure:
    """Two rows: the (N, H, W) inputs on top, their reconstructions below."""
    inputs, outputs = np.asarray(inputs), np.asarray(outputs)
    n = len(inputs)
    fig, axes = plt.subplots(2, n, figsize=(1.4 * n, 3.1), squeeze=False)
    for k in range(n):
        _img(axes[0, k], inputs[k], titles[k] if titles else None)
        _img(axes[1, k], outputs[k])
    axes[0, 0].set_ylabel("input")
    axes[1, 0].set_ylabel("decoded")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_depth_reconstructions(blocks, outputs, depths: Sequence[int],
                               title: str = "3D CAE: input (top) and decoded (bottom) by depth"
                               ) -> plt.Figure:
    """For each (D, H, W) block: its slices at ``depths``, input row above decoded row."""
    blocks, outputs = np.asarray(blocks), np.asarray(outputs)
    rows = 2 * len(blocks)
    fig, axes = plt.subplots(rows, len(depths), figsize=(1.4 * len(depths), 1.45 * rows),
                             squeeze=False)
    for b in range(len(blocks)):
        for j, z in enumerate(depths):
            _img(axes[2 * b, j], blocks[b][z], f"depth {z}" if b == 0 else None)
            _img(axes[2 * b + 1, j], outputs[b][z])
        axes[2 * b, 0].set_ylabel(f"input {b + 1}", fontsize=8)
        axes[2 * b + 1, 0].set_ylabel("decoded", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_epoch_snapshots(target, snapshots: Mapping[int, np.ndarray],
                         title: str = "3D CAE: the decoded middle slice across epochs"
                         ) -> plt.Figure:
    """The (H, W) ``target`` then its reconstruction after each epoch in ``snapshots``."""
    n = len(snapshots) + 1
    fig, axes = plt.subplots(1, n, figsize=(1.5 * n, 1.9), squeeze=False)
    _img(axes[0, 0], target, "input")
    for ax, (epoch, image) in zip(axes[0, 1:], snapshots.items()):
        _img(ax, image, f"epoch {epoch}")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_loss_curve(history: pd.DataFrame, title: str) -> plt.Figure:
    """Training loss (mean squared error) per epoch, on a log scale."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(history["epoch"], history["train_loss"], "o-", ms=3)
    ax.set(xlabel="epoch", ylabel="MSE (standardised intensities)", yscale="log", title=title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_spearman_heatmap(rho: np.ndarray, features: Sequence[str],
                          title: str = "Spearman ρ: latent dimensions × geometry") -> plt.Figure:
    """Heatmap of a (latent dims, features) matrix of correlations in [-1, 1]."""
    rho = np.asarray(rho)
    fig, ax = plt.subplots(figsize=(max(4, 1.1 * len(features) + 2), 6))
    im = ax.imshow(rho, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks(range(len(features)), features, rotation=30, ha="right")
    ax.set_ylabel("latent dimension")
    fig.colorbar(im, ax=ax, label="Spearman ρ")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_latent_walk(images, values: Sequence[float], dim: int, rho: float) -> plt.Figure:
    """Images decoded while one latent dimension moves through ``values`` (the others fixed)."""
    images = np.asarray(images)
    fig, axes = plt.subplots(1, len(images), figsize=(1.5 * len(images), 1.9), squeeze=False)
    for ax, image, v in zip(axes[0], images, values):
        _img(ax, image, f"{v:+.1f} sd")
    fig.suptitle(f"decoded along latent dimension {dim} (Spearman ρ with height {rho:+.2f})")
    fig.tight_layout()
    return fig
