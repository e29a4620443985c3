"""Notebook-aware progress bars (tqdm picks the widget in Jupyter, text elsewhere)."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm as _tqdm

__all__ = ["progress"]


def progress(iterable=None, *, desc: str | None = None, total: int | None = None,
             leave: bool = True, disable: bool | None = None, **kwargs):
    """Wrap ``iterable`` in a tqdm bar that writes to stdout.

    Bars go to stdout, not stderr: nbgrader scores a test cell with stderr output as failed, and a
    headless run keeps the log clean. ``DLMIA_PROGRESS=0`` disables every bar.
    """
    if disable is None:
        disable = os.environ.get("DLMIA_PROGRESS", "1") == "0"
    return _tqdm(iterable, desc=desc, total=total, leave=leave, disable=disable,
                 file=sys.stdout, dynamic_ncols=True, **kwargs)
