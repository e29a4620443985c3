"""Check a dataset folder (a phantom build or a real download) against its dataset card.

``dlmia data check NAME [PATH]`` runs :func:`check_dataset`: it reads every file through
:mod:`common.io` and lists **every** problem (missing tables or columns, unknown label values,
ids in a table without a file and files without a row, unreadable files, images without masks,
masks of the wrong size or values), each as one sentence naming the file; a clean folder gets a
summary of what was found. Nothing is written into the checked folder.

Example:
    >>> report = check_dataset("cxr", "/data/vindr/cxr")
    >>> report.ok, report.layout, report.problems[:1]
"""

from __future__ import annotations

from .registry import CHECKS, check_dataset
from .report import CheckReport

__all__ = ["CHECKS", "CheckReport", "check_dataset"]
