"""Autoencoder training in stages with :func:`common.training.fit`, keeping reconstructions of
a few probe inputs after each stage (the "training evolution" figures)."""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from ..training import fit

__all__ = ["fit_with_snapshots"]


def fit_with_snapshots(model: nn.Module, loader, *, optimizer: torch.optim.Optimizer,
                       stages: int, epochs_per_stage: int, probe: torch.Tensor,
                       device: torch.device | str | None = None, desc: str = "cae",
                       loss_fn: nn.Module | None = None) -> tuple[pd.DataFrame, dict]:
    """Train an autoencoder (inputs are their own targets) for ``stages × epochs_per_stage``
    epochs with mean squared error, reconstructing ``probe`` after every stage.

    Args:
        model: maps a batch to its reconstruction.
        loader: yields ``(inputs, inputs)`` batches.
        optimizer: over the model's parameters; its state carries over between stages.
        stages: number of stages (one snapshot each).
        epochs_per_stage: epochs per stage.
        probe: a few inputs to reconstruct after each stage.
        device: where to train.
        desc: progress-bar label.
        loss_fn: defaults to ``nn.MSELoss()``.

    Returns:
        ``(history, snapshots)``: one row per epoch (``epoch``, ``train_loss``), and
        ``{epoch: reconstruction of probe (CPU tensor)}``.
    """
    loss_fn = loss_fn or nn.MSELoss()
    frames, snapshots = [], {}
    for stage in range(stages):
        history = fit(model, loader, None, optimizer=optimizer, max_epochs=epochs_per_stage,
                      loss_fn=loss_fn, device=device, desc=f"{desc} {stage + 1}/{stages}",
                      restore_best=False, progress=False)
        frame = history.frame[["epoch", "train_loss"]].copy()
        frame["epoch"] += stage * epochs_per_stage
        frames.append(frame)
        model.eval()
        with torch.no_grad():
            dev = next(model.parameters()).device
            snapshots[int(frame["epoch"].iloc[-1])] = model(probe.to(dev)).cpu()
    return pd.concat(frames, ignore_index=True), snapshots
