"""Figures: radiographs with true and predicted boxes, and CAM heatmaps with boxes."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

__all__ = ["plot_detections", "plot_cams"]

_COLOURS = ["tab:orange", "tab:cyan", "tab:pink", "tab:olive"]


def _draw(ax, boxes, labels, names, scores=None, style="-", colour=None):
    for i, (b, lab) in enumerate(zip(np.asarray(boxes).reshape(-1, 4), np.asarray(labels))):
        c = colour or _COLOURS[(int(lab) - 1) % len(_COLOURS)]
        ax.add_patch(Rectangle((b[0], b[1]), b[2] - b[0], b[3] - b[1], fill=False, ec=c, lw=1.2,
                               ls=style))
        text = names.get(int(lab), str(lab)) if scores is None else f"{scores[i]:.2f}"
        ax.text(b[0], b[1] - 2, text, color=c, fontsize=6)


def plot_detections(images: np.ndarray, targets: Sequence[Mapping], preds: Sequence[Mapping] | None,
                    names: Mapping[int, str], titles: Sequence[str] | None = None,
                    score_threshold: float = 0.5, cols: int = 4):
    """Grid of images with true boxes (green, dashed) and predictions (coloured by class).

    Args:
        images: (N, H, W) in [0, 1].
        targets: per image ``{"boxes", "labels"}``.
        preds: per image ``{"boxes", "labels", "scores"}`` or None.
        names: label -> class name.
        score_threshold: predictions below it are not drawn.
    """
    n = len(images)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 3 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i in range(n):
        ax = axes.ravel()[i]
        ax.imshow(images[i], cmap="gray", vmin=0, vmax=1)
        _draw(ax, targets[i]["boxes"], targets[i]["labels"], names, style="--", colour="lime")
        if preds is not None:
            keep = np.asarray(preds[i]["scores"]) >= score_threshold
            _draw(ax, np.asarray(preds[i]["boxes"])[keep], np.asarray(preds[i]["labels"])[keep],
                  names, scores=np.asarray(preds[i]["scores"])[keep])
        if titles is not None:
            ax.set_title(titles[i], fontsize=7)
    handles = [Rectangle((0, 0), 1, 1, fill=False, ec="lime", ls="--", label="truth")]
    handles += [Rectangle((0, 0), 1, 1, fill=False, ec=_COLOURS[(k - 1) % len(_COLOURS)], label=v)
                for k, v in names.items()]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_cams(image: np.ndarray, cams: Mapping[str, np.ndarray], boxes, labels,
              names: Mapping[int, str], true_boxes=None, title: str = ""):
    """The image with its detections, then one heatmap overlay per CAM method.

    Args:
        image: (H, W) in [0, 1].
        cams: ``{method: (H, W) map in [0, 1]}``.
        boxes, labels: the detections the CAMs explain.
        true_boxes: optional (M, 4) true boxes (green, dashed).
    """
    fig, axes = plt.subplots(1, 1 + len(cams), figsize=(3.2 * (1 + len(cams)), 3.4))
    panels = [("detections", None)] + list(cams.items())
    for ax, (name, cam) in zip(axes, panels):
        ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        if cam is not None:
            ax.imshow(cam, cmap="jet", alpha=0.45, vmin=0, vmax=1)
        if true_boxes is not None:
            _draw(ax, true_boxes, np.ones(len(true_boxes)), {1: ""}, style="--", colour="lime")
        _draw(ax, boxes, labels, names, colour="white" if cam is not None else None)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
