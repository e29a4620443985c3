"""The one way the labs build a ``DataLoader``: single process, shuffling fixed by a seed.

Example:
    >>> loader = make_loader(TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
"""

from __future__ import annotations

from typing import Callable

from torch.utils.data import DataLoader, Dataset

from .seed import seeded_generator

__all__ = ["make_loader"]


def make_loader(dataset: Dataset, *, batch_size: int, shuffle: bool = False, seed: int = 0,
                collate_fn: Callable | None = None, drop_last: bool = False) -> DataLoader:
    """A reproducible ``DataLoader`` over ``dataset``.

    Loading runs in the main process (no workers): on a 2-core laptop workers cost more than they
    save on these small datasets, and a seeded generator then repeats the shuffling exactly.

    Args:
        dataset: any map-style dataset.
        batch_size: samples per batch.
        shuffle: reshuffle every epoch, in an order fixed by ``seed``.
        seed: seed of the shuffling generator.
        collate_fn: how samples become a batch (default: stack tensors).
        drop_last: drop a last, smaller batch.
    """
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate_fn,
                      drop_last=drop_last, generator=seeded_generator(seed) if shuffle else None)
