"""What the real-layout tests share: a shrunk phantom, a folder's fingerprint and a lab's smoke run
on a data root."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

__all__ = ["digest", "run_smoke_untouched", "small_phantom"]


def small_phantom(generator: ModuleType, folder: Path, **sizes) -> Path:
    """Build ``generator``'s phantom (seed 0) into ``folder`` with its module-level sizes set to
    ``sizes`` (e.g. ``SPLITS={...}``) for this build only, even when the build fails.

    Returns:
        ``folder``.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in sizes.items():
            patch.setattr(generator, name, value)
        generator.build(folder, seed=0)
    return folder


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file, and every folder by name (an added empty folder counts too)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "folder" for p in sorted(Path(folder).rglob("*"))}


def run_smoke_untouched(lab: str, data_root: Path, out: Path, timeout: int = 900) -> Path:
    """Run ``dlmia run LAB --smoke --out OUT`` on ``data_root``; check it succeeded and left the
    data folder byte for byte as it was.

    Returns:
        The run folder ``OUT/LAB``.
    """
    before = digest(data_root)
    env = {**os.environ, "DLMIA_DATA": str(data_root), "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    env.pop("DLMIA_RUN_DIR", None)
    done = subprocess.run([sys.executable, "-m", "common.cli", "run", lab, "--smoke", "--out",
                           str(out)], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert digest(data_root) == before, "the run changed the data folder"
    return Path(out) / lab
