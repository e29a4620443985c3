"""The course's one training loop: supervised models and torchvision detectors alike.

One epoch runs a *step* on every batch (by default ``loss_fn(model(inputs), target)``; a step may
return a dict of loss terms, which are summed), steps the optimizer (and a per-batch scheduler),
then validates every ``val_interval`` epochs, keeps the best weights by a monitored value, and
stops on patience, ``max_epochs`` or a time limit. Everything it measures lands in one
:class:`History`.

Example:
    >>> history = fit(model, train_loader, val_loader, loss_fn=nn.CrossEntropyLoss(),
    ...               optimizer=torch.optim.Adam(model.parameters(), 1e-3), max_epochs=20,
    ...               patience=5, metrics={"accuracy": accuracy_from_logits})
    >>> history.frame.tail()

    A torchvision detector returns its losses as a dict and is validated by mAP:

    >>> history = fit(detector, train_loader, val_loader, step=detector_step, optimizer=sgd,
    ...               scheduler=one_cycle, scheduler_interval="batch", max_epochs=12,
    ...               evaluate=lambda m, loader: detection_metrics(*predict_detector(m, loader)),
    ...               monitor="val_map50", mode="max", time_limit_s=540)
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
from .progress import progress as _bar
from .progress import progress_write as _write

__all__ = ["fit", "predict", "History", "to_device", "accuracy_from_logits", "default_step"]

Batch = tuple
#: ``step(model, batch, device) -> loss tensor or {term name: loss tensor}``
Step = Callable[[nn.Module, Batch, torch.device], "torch.Tensor | Mapping[str, torch.Tensor]"]
#: ``evaluate(model, val_loader) -> {name: value}``; each value becomes the column ``val_<name>``.
Evaluate = Callable[[nn.Module, Iterable[Batch]], Mapping[str, float]]

_RESERVED = ("epoch", "train_loss", "lr", "seconds")


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


def default_step(loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Step:
    """The step :func:`fit` uses when it is given only ``loss_fn``.

    Args:
        loss_fn: ``loss_fn(outputs, target) -> scalar tensor``.

    Returns:
        ``step(model, (inputs, target), device)``: moves the batch to ``device`` and returns
        ``loss_fn(model(inputs), target)`` (``model(*inputs)`` when ``inputs`` is a tuple or list).
    """

    def step(model: nn.Module, batch: Batch, device: torch.device) -> torch.Tensor:
        inputs, target = batch
        inputs, target = to_device(inputs, device), to_device(target, device)
        return loss_fn(_forward(model, inputs), target)

    return step


@dataclass
class History:
    """What :func:`fit` returns.

    Attributes:
        frame: one row per epoch: ``epoch``, ``train_loss``, the epoch mean of each loss term when
            the step returns a dict (one column per term, named as in the dict), ``lr`` (of the
            first parameter group, at the end of the epoch's batches), on validation epochs
            ``val_loss`` and ``val_<metric>`` (or ``val_<name>`` for each value ``evaluate``
            returns), and ``seconds`` since the start of training.
        best_epoch: the epoch whose weights were kept (1-based), or the last epoch when nothing
            was validated.
        best_score: the monitored value at ``best_epoch`` (NaN when nothing was validated).
        stopped_early: whether patience or the time limit ended the run before ``max_epochs``
            (patience also counts at the last epoch).
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

    Args:
        model: called as ``model(inputs)`` or ``model(*inputs)`` for tuples.
        loader: yields ``(inputs, target)`` batches.
        device: defaults to :func:`common.device.get_device`.
        progress_bar: show a bar over the batches.

    Returns:
        ``(outputs, targets)``: concatenated along the batch axis, on the CPU.
    """
    device = device or get_device()
    model.eval().to(device)
    outs, tgts = [], []
    it = _bar(loader, desc="predict", leave=False) if progress_bar else loader
    for inputs, target in it:
        out = _forward(model, to_device(inputs, device))
        outs.append(out.detach().float().cpu())
        tgts.append(target.detach().cpu() if torch.is_tensor(target) else torch.as_tensor(target))
    return torch.cat(outs), torch.cat(tgts)


def _batch_weight(batch) -> int:
    """Samples in a ``(inputs, tensor target)`` batch; 1 for any other batch (per-batch means)."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2 and torch.is_tensor(batch[1]):
        return batch[1].shape[0]
    return 1


def _train_epoch(model: nn.Module, batches: Iterable, step: Step, optimizer: torch.optim.Optimizer,
                 batch_scheduler, device: torch.device) -> dict[str, float]:
    """One pass over ``batches``; returns ``train_loss`` and the mean of each loss term."""
    model.train()
    total, count, terms = 0.0, 0, {}
    for batch in batches:
        optimizer.zero_grad(set_to_none=True)
        out = step(model, batch, device)
        loss = sum(out.values()) if isinstance(out, Mapping) else out
        loss.backward()
        optimizer.step()
        if batch_scheduler is not None:
            batch_scheduler.step()
        n = _batch_weight(batch)
        if isinstance(out, Mapping):
            for k, v in out.items():
                terms[k] = terms.get(k, 0.0) + v.item() * n
        else:
            total += loss.item() * n
        count += n
    count = max(count, 1)
    if terms:
        clash = sorted(k for k in terms if k in _RESERVED or k.startswith("val_"))
        if clash:
            raise ValueError(f"The step returned loss terms named {clash}, which are History "
                             f"columns; rename them.")
        return {"train_loss": sum(terms.values()) / count, **{k: v / count for k, v in terms.items()}}
    return {"train_loss": total / count}


def _validate(model: nn.Module, val_loader: Iterable, loss_fn, metrics: Mapping, evaluate,
              device: torch.device) -> dict[str, float]:
    """The validation columns of one epoch."""
    if evaluate is not None:
        return {f"val_{k}": float(v) for k, v in evaluate(model, val_loader).items()}
    outputs, targets = predict(model, val_loader, device)
    row = {}
    if loss_fn is not None:
        row["val_loss"] = float(loss_fn(outputs, targets))
    for name, fn in metrics.items():
        row[f"val_{name}"] = float(fn(outputs, targets))
    return row


def _epoch_line(row: Mapping) -> str:
    return " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in row.items()
                    if k in ("epoch", "train_loss", "lr", "seconds") or k.startswith("val_"))


def fit(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch] | None = None,
    *,
    optimizer: torch.optim.Optimizer,
    max_epochs: int,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    step: Step | None = None,
    val_interval: int = 1,
    scheduler=None,
    scheduler_interval: str = "epoch",
    patience: int | None = None,
    monitor: str = "val_loss",
    mode: str = "min",
    metrics: Mapping[str, Callable[[torch.Tensor, torch.Tensor], float]] | None = None,
    evaluate: Evaluate | None = None,
    time_limit_s: float | None = None,
    device: torch.device | str | None = None,
    progress: bool | str = True,
    desc: str = "train",
    restore_best: bool = True,
) -> History:
    """Train ``model``, validate every ``val_interval`` epochs, keep the best weights.

    Each batch: ``optimizer.zero_grad()``, ``step(model, batch, device)``, ``backward()`` on the
    loss (the sum of the terms when the step returns a dict), ``optimizer.step()``, then
    ``scheduler.step()`` when ``scheduler_interval="batch"``. Each epoch: validation on
    validation epochs, then ``scheduler.step()`` when ``scheduler_interval="epoch"``
    (``ReduceLROnPlateau`` gets the monitored value, on validation epochs only). The epoch's loss
    is the mean over samples for ``(inputs, tensor target)`` batches, else the mean over batches.

    Args:
        model: the network (moved to ``device``); returned in eval mode.
        train_loader: yields training batches (``(inputs, target)`` for the default step).
        val_loader: validation batches; ``None`` trains without validation.
        optimizer: any ``torch.optim`` optimizer over ``model``'s parameters.
        max_epochs: upper bound on epochs.
        loss_fn: ``loss_fn(outputs, target) -> scalar tensor``: the training loss when ``step``
            is not given, and ``val_loss`` on ``predict``'s outputs when ``evaluate`` is not.
        step: ``step(model, batch, device) -> loss tensor or {term: loss tensor}``; defaults to
            :func:`default_step` of ``loss_fn``. Dict terms are summed for the backward pass and
            each term's epoch mean becomes a History column.
        val_interval: validate every this many epochs, and always at the last epoch (also the
            one that reaches ``time_limit_s``).
        scheduler: an LR scheduler over ``optimizer``.
        scheduler_interval: ``"epoch"`` (after validation) or ``"batch"`` (after every optimizer
            step: warm-up and one-cycle schedules).
        patience: stop after this many validations without improvement (``None``: never).
        monitor: the History column that picks the best epoch (``"val_loss"``,
            ``"val_<metric>"`` or ``"val_<name>"`` of ``evaluate``'s result).
        mode: ``"min"`` or ``"max"``: whether a smaller or a larger monitored value is better
            (a tie keeps the earlier epoch).
        metrics: ``{name: f(outputs, targets) -> float}`` on ``predict``'s outputs over the whole
            validation set (ignored by ``evaluate``).
        evaluate: ``evaluate(model, val_loader) -> {name: value}``, replacing ``loss_fn`` and
            ``metrics`` for validation (a detector's mAP).
        time_limit_s: stop after the epoch during which this many seconds of training passed.
        device: defaults to :func:`common.device.get_device`.
        progress: ``True`` or ``"epoch"``: a bar over epochs showing the last row; ``"batch"``:
            also a bar over each epoch's batches and one line per finished epoch (long epochs);
            ``False``: nothing. All on stdout, through :mod:`common.progress`. The batch bar
            (even a hidden one) is a tqdm iterator, and tqdm opens one spare iterator over
            ``train_loader`` when it is created: a loader shuffled by a seeded generator then
            draws its epochs in another (equally reproducible) order than with ``True`` or
            ``False``. Keep the same value to repeat a run.
        desc: the epoch bar's label.
        restore_best: load the best validation weights into ``model`` at the end.

    Returns:
        A :class:`History`.

    Raises:
        ValueError: when neither ``loss_fn`` nor ``step`` is given, ``mode``,
            ``scheduler_interval`` or ``progress`` is not one of its values, a
            ``ReduceLROnPlateau`` is to be stepped per batch, both ``metrics`` and ``evaluate`` are
            given, or the step's loss terms reuse a History column name.
        KeyError: when ``monitor`` is not a column of the first validation.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', not {mode!r}.")
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'batch', not {scheduler_interval!r}.")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and scheduler_interval == "batch":
        raise ValueError("ReduceLROnPlateau needs a validation value, so step it per epoch "
                         "(scheduler_interval='epoch').")
    if step is None and loss_fn is None:
        raise ValueError("fit needs loss_fn (or a step function that returns the loss); pass "
                         "loss_fn=nn.CrossEntropyLoss(), for example.")
    if metrics and evaluate is not None:
        raise ValueError("Pass metrics or evaluate, not both: evaluate computes every validation "
                         "value itself.")
    if progress not in (True, False, "epoch", "batch"):
        raise ValueError(f"progress must be True, False, 'epoch' or 'batch', not {progress!r}.")
    step = step or default_step(loss_fn)
    device = torch.device(device) if device is not None else get_device()
    model.to(device)
    metrics = dict(metrics or {})
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    best = math.inf if mode == "min" else -math.inf
    rows: list[dict] = []
    best_state, best_epoch, bad_rounds, stopped, validated = None, 0, 0, False, False
    hide = None if progress else True                  # None: the bars follow DLMIA_PROGRESS
    per_batch = progress == "batch"
    start = time.perf_counter()

    epochs = _bar(range(1, max_epochs + 1), desc=desc, disable=hide)
    for epoch in epochs:
        batches = (_bar(train_loader, desc=f"epoch {epoch}/{max_epochs}", leave=False,
                                disable=hide) if per_batch else train_loader)
        row = {"epoch": epoch,
               **_train_epoch(model, batches, step, optimizer,
                              scheduler if scheduler_interval == "batch" else None, device),
               "lr": optimizer.param_groups[0]["lr"]}
        out_of_time = time_limit_s is not None and time.perf_counter() - start > time_limit_s
        validate = val_loader is not None and (epoch % val_interval == 0 or epoch == max_epochs
                                               or out_of_time)
        if validate:
            row.update(_validate(model, val_loader, loss_fn, metrics, evaluate, device))
            if monitor not in row:
                raise KeyError(f"monitor={monitor!r} is not one of {sorted(row)}; monitor one of "
                               f"the validation columns.")
            validated = True
            value = row[monitor]
            if better(value, best):
                best, best_epoch, bad_rounds = value, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                bad_rounds += 1
        if scheduler is not None and scheduler_interval == "epoch":
            if plateau:
                if validate:
                    scheduler.step(row[monitor])
            else:
                scheduler.step()
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        if hasattr(epochs, "set_postfix"):
            epochs.set_postfix({k: round(v, 4) for k, v in row.items() if k not in ("epoch", "lr")},
                               refresh=False)
        if per_batch:
            _write(_epoch_line(row), disable=hide)
        if patience is not None and bad_rounds >= patience:
            stopped = True
            break
        if out_of_time:
            stopped = epoch < max_epochs
            break
    if not validated:
        best_epoch, best = (rows[-1]["epoch"] if rows else 0), math.nan
    elif restore_best and best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return History(frame=pd.DataFrame(rows), best_epoch=best_epoch, best_score=best,
                   stopped_early=stopped, seconds=time.perf_counter() - start)
