"""A small, readable supervised training loop shared by the labs.

Example:
    >>> history = fit(model, train_loader, val_loader, loss_fn=nn.CrossEntropyLoss(),
    ...               optimizer=torch.optim.Adam(model.parameters(), 1e-3), max_epochs=20,
    ...               patience=5, metrics={"accuracy": accuracy_from_logits})
    >>> history.frame.tail()
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import pandas as pd
import torch
from torch import nn

from .device import get_device
from .progress import progress

__all__ = ["fit", "predict", "History", "to_device", "accuracy_from_logits"]

Batch = tuple


def to_device(obj, device: torch.device):
    """Move a tensor, or a (nested) tuple/list/dict of tensors, to ``device``."""
    if torch.is_tensor(obj):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    return obj


def _forward(model: nn.Module, inputs):
    return model(*inputs) if isinstance(inputs, (tuple, list)) else model(inputs)


def accuracy_from_logits(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose arg-max matches the target. ``outputs``: (N, C), ``targets``: (N,)."""
    return (outputs.argmax(dim=1) == targets).float().mean().item()


@dataclass
class History:
    """What :func:`fit` returns.

    Attributes:
        frame: one row per epoch: ``epoch``, ``train_loss``, ``lr`` and, on validation epochs,
            ``val_loss`` and ``val_<metric>``.
        best_epoch: the epoch whose weights were kept (1-based), or the last epoch without
            validation.
        best_score: the monitored value at ``best_epoch``.
        stopped_early: whether early stopping ended the run.
        seconds: wall time of the whole fit.
    """

    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    best_epoch: int = 0
    best_score: float = math.nan
    stopped_early: bool = False
    seconds: float = 0.0


@torch.no_grad()
def predict(model: nn.Module, loader: Iterable[Batch], device: torch.device | None = None,
            progress_bar: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``model`` in eval mode over ``loader``.

    Returns:
        ``(outputs, targets)``: concatenated along the batch axis, on the CPU.
    """
    device = device or get_device()
    model.eval().to(device)
    outs, tgts = [], []
    it = progress(loader, desc="predict", leave=False) if progress_bar else loader
    for inputs, target in it:
        out = _forward(model, to_device(inputs, device))
        outs.append(out.detach().float().cpu())
        tgts.append(target.detach().cpu() if torch.is_tensor(target) else torch.as_tensor(target))
    return torch.cat(outs), torch.cat(tgts)


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch] | None = None,
    *,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    max_epochs: int,
    val_interval: int = 1,
    scheduler=None,
    patience: int | None = None,
    monitor: str = "val_loss",
    mode: str = "min",
    metrics: Mapping[str, Callable[[torch.Tensor, torch.Tensor], float]] | None = None,
    device: torch.device | None = None,
    progress: bool = True,
    desc: str = "train",
    restore_best: bool = True,
) -> History:
    """Train ``model`` with validation every ``val_interval`` epochs and early stopping.

    Args:
        model: the network; called as ``model(inputs)`` or ``model(*inputs)`` for tuples.
        train_loader: yields ``(inputs, target)`` batches.
        val_loader: same layout; ``None`` trains without validation.
        loss_fn: ``loss_fn(outputs, target) -> scalar tensor``.
        optimizer: any ``torch.optim`` optimizer over ``model``'s parameters.
        max_epochs: upper bound on epochs.
        val_interval: validate every this many epochs (and at the last epoch).
        scheduler: an LR scheduler; ``ReduceLROnPlateau`` is stepped with the monitored value,
            any other once per epoch.
        patience: stop after this many validations without improvement (``None``: never).
        monitor: ``"val_loss"`` or ``"val_<metric name>"``.
        mode: ``"min"`` or ``"max"`` for the monitored value.
        metrics: ``{name: f(outputs, targets) -> float}`` on the concatenated validation set.
        device: defaults to :func:`common.device.get_device`.
        progress: show a tqdm bar over epochs.
        desc: the bar's label.
        restore_best: load the best validation weights into ``model`` at the end.

    Returns:
        A :class:`History`.
    """
    if mode not in ("min", "max"):
        raise ValueError("mode must be 'min' or 'max'.")
    device = device or get_device()
    model.to(device)
    metrics = dict(metrics or {})
    rows: list[dict] = []
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    best = math.inf if mode == "min" else -math.inf
    best_state, best_epoch, bad_rounds, stopped = None, 0, 0, False
    start = time.perf_counter()
    from .progress import progress as bar

    epochs = bar(range(1, max_epochs + 1), desc=desc, disable=not progress)
    for epoch in epochs:
        model.train()
        total, count = 0.0, 0
        for inputs, target in train_loader:
            inputs, target = to_device(inputs, device), to_device(target, device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(_forward(model, inputs), target)
            loss.backward()
            optimizer.step()
            n = target.shape[0] if torch.is_tensor(target) else 1
            total += loss.item() * n
            count += n
        row = {"epoch": epoch, "train_loss": total / max(count, 1),
               "lr": optimizer.param_groups[0]["lr"]}
        validate = val_loader is not None and (epoch % val_interval == 0 or epoch == max_epochs)
        if validate:
            outputs, targets = predict(model, val_loader, device)
            row["val_loss"] = float(loss_fn(outputs, targets))
            for name, fn in metrics.items():
                row[f"val_{name}"] = float(fn(outputs, targets))
            if monitor not in row:
                raise KeyError(f"monitor={monitor!r} is not one of {sorted(row)}; pass a metric of "
                               f"that name or monitor 'val_loss'.")
            value = row[monitor]
            if better(value, best):
                best, best_epoch, bad_rounds = value, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad_rounds += 1
        if scheduler is not None:
            if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                if validate:
                    scheduler.step(row[monitor])
            else:
                scheduler.step()
        rows.append(row)
        if hasattr(epochs, "set_postfix"):
            epochs.set_postfix({k: round(v, 4) for k, v in row.items()
                                if k not in ("epoch", "lr")}, refresh=False)
        if patience is not None and bad_rounds >= patience:
            stopped = True
            break
    if val_loader is None:
        best_epoch = rows[-1]["epoch"] if rows else 0
    elif restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return History(frame=pd.DataFrame(rows), best_epoch=best_epoch, best_score=best,
                   stopped_early=stopped, seconds=time.perf_counter() - start)
