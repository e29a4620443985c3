"""Notebook-aware progress display: bars and the lines written above them, all on stdout.

tqdm picks the widget in Jupyter and text elsewhere. Everything goes to stdout, not stderr:
nbgrader scores a test cell with stderr output as failed, and a headless run keeps the log clean.
``DLMIA_PROGRESS=0`` (:data:`common.env.PROGRESS_ENV`) silences both.

Example:
    >>> bar = progress(range(3), desc="epochs")
    >>> for epoch in bar:
    ...     progress_write(f"epoch {epoch} done")
"""

from __future__ import annotations

import os
import sys
from typing import Iterable

from tqdm.auto import tqdm as _tqdm

from .env import PROGRESS_ENV

__all__ = ["progress", "progress_write"]


def _silenced() -> bool:
    return os.environ.get(PROGRESS_ENV, "1") == "0"


def progress(iterable: Iterable | None = None, *, desc: str | None = None, total: int | None = None,
             leave: bool = True, disable: bool | None = None, **kwargs):
    """Wrap ``iterable`` in a tqdm bar that writes to stdout.

    Args:
        iterable: what to iterate over (``None`` for a bar updated by hand).
        desc: the bar's label.
        total: number of items when ``iterable`` has no length.
        leave: keep the finished bar on screen.
        disable: hide the bar; ``None`` hides it when ``DLMIA_PROGRESS=0``.
        **kwargs: passed on to ``tqdm``.

    Returns:
        The tqdm bar (iterate over it as over ``iterable``).
    """
    if disable is None:
        disable = _silenced()
    return _tqdm(iterable, desc=desc, total=total, leave=leave, disable=disable,
                 file=sys.stdout, dynamic_ncols=True, **kwargs)


def progress_write(message: str, *, disable: bool | None = None) -> None:
    """Write one line on stdout above any running bar (``tqdm.write``), so the bars stay intact.

    Args:
        message: the line, without a trailing newline.
        disable: write nothing; ``None`` writes nothing when ``DLMIA_PROGRESS=0``.
    """
    if disable is None:
        disable = _silenced()
    if not disable:
        _tqdm.write(message, file=sys.stdout)
        sys.stdout.flush()
