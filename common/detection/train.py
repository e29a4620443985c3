"""Training loop for torchvision detectors, which return a loss dict in train mode."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import pandas as pd
import torch
from torch import nn

from ..progress import progress

__all__ = ["DetectionHistory", "train_detector"]


@dataclass
class DetectionHistory:
    """What :func:`train_detector` returns.

    Attributes:
        frame: one row per epoch: ``epoch``, ``train_loss``, the mean of each loss term, ``lr``,
            ``seconds`` and, on validation epochs, ``val_<metric>``.
        best_epoch: epoch whose weights were kept (the last one without validation).
        seconds: training wall time.
    """

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    best_epoch: int = 0
    seconds: float = 0.0


def _to(targets, device):
    return [{k: v.to(device) for k, v in t.items()} for t in targets]


def train_detector(model: nn.Module, train_loader: Iterable, val_loader: Iterable | None = None, *,
                   optimizer: torch.optim.Optimizer, max_epochs: int,
                   scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
                   evaluate: Callable[[nn.Module, Iterable], dict] | None = None,
                   monitor: str = "map50", val_interval: int = 1, time_limit_s: float | None = None,
                   device: torch.device | str = "cpu", progress_bar: bool = True) -> DetectionHistory:
    """Train a torchvision detector; keep the weights of the best validation epoch.

    Args:
        model: a detector mapping ``(images, targets)`` to a dict of losses in train mode.
        train_loader: batches ``(list of (3, H, W) images, list of target dicts)``.
        val_loader: validation batches of the same form, passed to ``evaluate``.
        optimizer: the optimizer.
        max_epochs: epochs to run.
        scheduler: stepped after every **iteration** (warm-up and one-cycle schedules).
        evaluate: ``evaluate(model, val_loader) -> {name: value}``; ``monitor`` is maximised.
        monitor: the key of ``evaluate``'s result that picks the best epoch.
        val_interval: validate every this many epochs (and after the last one).
        time_limit_s: stop after the epoch during which this much training time has passed.
        device: where to train.
        progress_bar: show a tqdm bar per epoch.

    Returns:
        A :class:`DetectionHistory`; the best weights are loaded into ``model``.
    """
    device = torch.device(device)
    model.to(device)
    rows, best, best_state, best_epoch = [], -float("inf"), None, 0
    start = time.perf_counter()
    for epoch in range(1, max_epochs + 1):
        model.train()
        sums: dict[str, float] = {}
        n = 0
        bar = progress(train_loader, desc=f"epoch {epoch}/{max_epochs}", leave=False,
                       disable=None if progress_bar else True)
        for images, targets in bar:
            images = [im.to(device) for im in images]
            losses = model(images, _to(targets, device))
            loss = sum(losses.values())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + v.item()
            n += 1
        row = {"epoch": epoch, "train_loss": sum(sums.values()) / max(n, 1),
               **{k: v / max(n, 1) for k, v in sums.items()},
               "lr": optimizer.param_groups[0]["lr"]}
        out_of_time = time_limit_s is not None and time.perf_counter() - start > time_limit_s
        last = epoch == max_epochs or out_of_time
        if val_loader is not None and evaluate is not None and (epoch % val_interval == 0 or last):
            scores = evaluate(model, val_loader)
            row.update({f"val_{k}": v for k, v in scores.items()})
            if scores[monitor] > best:
                best, best_epoch = scores[monitor], epoch
                best_state = copy.deepcopy(model.state_dict())
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        if progress_bar:
            print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in row.items() if k in ("epoch", "train_loss", "lr", "seconds")
                           or k.startswith("val_")), flush=True)
        if out_of_time:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        best_epoch = rows[-1]["epoch"] if rows else 0
    model.eval()
    return DetectionHistory(pd.DataFrame(rows), best_epoch, round(time.perf_counter() - start, 1))
