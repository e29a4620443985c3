"""Figures of lab07: the three region volumes, and the similarity of regions at each depth."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_regions", "plot_similarity_heatmap"]


def plot_regions(regions: Mapping[str, np.ndarray], index: int | None = None,
                 window: tuple[float, float] = (-300.0, 1400.0)) -> Figure:
    """Show each region volume as a coronal slice (depth vertical) and an axial slice.

    Args:
        regions: ``{name: (D, H, W) HU volume}``, e.g. the output of ``split_regions``.
        index: the H index of the coronal slice (default: the middle).
        window: HU range shown from black to white.

    Returns:
        A figure with two rows (coronal, axial) and one column per region.
    """
    names = list(regions)
    fig, axes = plt.subplots(2, len(names), figsize=(3.2 * len(names), 6.0), squeeze=False)
    for col, name in enumerate(names):
        vol = np.asarray(regions[name])
        h = vol.shape[1] // 2 if index is None else index
        axes[0, col].imshow(vol[:, h, :], cmap="gray", origin="lower", vmin=window[0],
                            vmax=window[1], aspect="auto")
        axes[0, col].set_title(f"{name}: coronal (H={h})")
        d = int(0.35 * vol.shape[0])  # through the tibia of the knee phantom
        axes[1, col].imshow(vol[d], cmap="gray", vmin=window[0], vmax=window[1])
        axes[1, col].set_title(f"axial (D={d})")
        for ax in axes[:, col]:
            ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_similarity_heatmap(table: pd.DataFrame, title: str = "cosine similarity") -> Figure:
    """Heatmap of cosine similarity: one row per layer, one column per region pair.

    Args:
        table: the ``similarities.csv`` frame (columns ``layer``, ``region_a``, ``region_b``,
            ``cosine_similarity``).
        title: the figure title (say which weights were used).

    Returns:
        The figure, with each cell's value written in it.
    """
    frame = table.assign(pair=table["region_a"] + "\nvs " + table["region_b"])
    grid = frame.pivot(index="layer", columns="pair", values="cosine_similarity")
    grid = grid.loc[list(dict.fromkeys(frame["layer"])), list(dict.fromkeys(frame["pair"]))]
    values = grid.to_numpy(float)
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    fig, ax = plt.subplots(figsize=(2.6 * grid.shape[1] + 2.0, 0.8 * grid.shape[0] + 1.6))
    image = ax.imshow(values, cmap="viridis", vmin=min(lo, hi - 1e-3), vmax=hi)
    ax.set_xticks(range(grid.shape[1]), grid.columns)
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:.5f}", ha="center", va="center",
                color="black" if v > (lo + hi) / 2 else "white")
    fig.colorbar(image, ax=ax, label="cosine similarity")
    ax.set_title(title)
    fig.tight_layout()
    return fig
