"""Deterministic phantom generators, one module each, written in real datasets' formats.

Each phantom module ``common.phantoms.<name>`` exposes::

    NAME: str            # the dataset name, equal to the module name
    DESCRIPTION: str     # one line
    VERSION: int         # bump when the generator's output changes
    def build(out_dir: pathlib.Path, seed: int = 0) -> None

``build`` writes the dataset into ``out_dir`` (an empty folder) and nothing anywhere else, except
answer keys of hidden test splits, which it writes with :func:`common.answer_keys.write_answer_key`.
A new generator is listed in :data:`common.phantoms.registry.PHANTOMS`, and the labs that read
it name it in :data:`common.labs.LABS`. The builder in :mod:`common.phantoms.build` adds
idempotency, checksums and a manifest.
"""

from __future__ import annotations

from .registry import PHANTOM_NAMES, PHANTOMS, available_phantoms, get_phantom

__all__ = ["PHANTOMS", "PHANTOM_NAMES", "get_phantom", "available_phantoms"]
