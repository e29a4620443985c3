"""One switch that shrinks every lab to a seconds-long smoke run.

``DLMIA_SMOKE=1`` turns it on; so does ``NBGRADER_EXECUTION=autograde``, which nbgrader sets
while it grades, so that autograding never trains a full model.
"""

from __future__ import annotations

import os
from typing import TypeVar

from .env import NBGRADER_EXECUTION_ENV, SMOKE_ENV

__all__ = ["is_smoke", "smoke"]

T = TypeVar("T")


def is_smoke() -> bool:
    """True when the smoke configuration is requested (env var or nbgrader autograde)."""
    flag = os.environ.get(SMOKE_ENV, "").strip().lower() not in ("", "0", "false", "no")
    grading = os.environ.get(NBGRADER_EXECUTION_ENV, "") in ("autograde", "validate")
    return flag or grading


def smoke(full: T, small: T) -> T:
    """Return ``small`` in a smoke run and ``full`` otherwise.

    Example:
        >>> max_epochs = smoke(60, 2)
    """
    return small if is_smoke() else full
