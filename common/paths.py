"""Where the course keeps things: the repository, the data root, the run outputs."""

from __future__ import annotations

import os
from pathlib import Path

from .env import DATA_ENV, RUN_DIR_ENV
from .errors import DataError

__all__ = ["repo_root", "data_root", "runs_root", "run_dir", "answer_keys_dir", "require_dir"]


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``)."""
    return Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """The data root: ``$DLMIA_DATA`` when set, else ``datasets/`` in the repository.

    The folder need not exist yet (``dlmia data build`` creates it).
    """
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser().resolve() if env else repo_root() / "datasets"


def runs_root() -> Path:
    """Folder of reference-run outputs, ``runs/`` in the repository."""
    return repo_root() / "runs"


def run_dir(lab: str) -> Path:
    """Where a lab writes its figures, CSVs and metrics; created on demand.

    ``$DLMIA_RUN_DIR`` wins (``dlmia run`` sets it); otherwise ``runs/<lab>/``.
    """
    env = os.environ.get(RUN_DIR_ENV)
    path = Path(env) if env else runs_root() / lab
    path.mkdir(parents=True, exist_ok=True)
    return path


def answer_keys_dir() -> Path:
    """Folder of answer keys for hidden test splits, inside the data root, never in ``labs/``."""
    return data_root() / "answer_keys"


def require_dir(path: Path, what: str, build_hint: str | None = None) -> Path:
    """Return ``path`` if it is a folder, else raise a :class:`DataError` saying what to do.

    Args:
        path: the folder that must exist.
        what: what the folder holds, for the message ("the seg2d phantom").
        build_hint: the dataset name to suggest to ``dlmia data build``.
    """
    path = Path(path)
    if not path.is_dir():
        hint = (
            f"run `dlmia data build {build_hint}`"
            if build_hint
            else "check the path"
        )
        raise DataError(
            f"The folder for {what} was not found at {path}; {hint} or set {DATA_ENV} to the "
            f"folder that holds it."
        )
    return path
