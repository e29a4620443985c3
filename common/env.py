"""The environment variables the course reads, in one place, and a context that sets some for a
block and restores them after.

Example:
    >>> with environment({SMOKE_ENV: "1", RUN_DIR_ENV: "/tmp/run"}):
    ...     ...   # kernels started here run the smoke configuration
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, Mapping

__all__ = ["DATA_ENV", "RUN_DIR_ENV", "SMOKE_ENV", "DEVICE_ENV", "PROGRESS_ENV",
           "NBGRADER_EXECUTION_ENV", "LAB07_REFERENCE_ENV", "HIDDEN_SEED_ENV", "environment"]

#: points the course at a data folder (phantoms or a real download); default ``datasets/``.
DATA_ENV = "DLMIA_DATA"
#: where a notebook writes its figures, CSVs and metrics (``dlmia run`` and grading set it).
RUN_DIR_ENV = "DLMIA_RUN_DIR"
#: ``1`` shrinks every lab to its seconds-long smoke configuration.
SMOKE_ENV = "DLMIA_SMOKE"
#: forces a device (``cpu``, ``cuda``, ``mps``); default: the best one available.
DEVICE_ENV = "DLMIA_DEVICE"
#: ``0`` disables every progress bar.
PROGRESS_ENV = "DLMIA_PROGRESS"
#: points lab07's scorer at another reference ``similarities.csv``.
LAB07_REFERENCE_ENV = "DLMIA_LAB07_REFERENCE"
#: the instructor's secret that draws the hidden test splits (``dlmia data build --hidden-seed``);
#: set it only where the grader builds data, never where student code runs.
HIDDEN_SEED_ENV = "DLMIA_HIDDEN_SEED"
#: set by nbgrader while it runs a notebook (``autograde``, ``validate``).
NBGRADER_EXECUTION_ENV = "NBGRADER_EXECUTION"


@contextlib.contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, unset) environment variables inside the block; restore them after.

    Args:
        values: ``{name: value}``; a value of ``None`` removes the variable for the block.
    """
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
