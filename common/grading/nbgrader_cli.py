"""Run nbgrader commands robustly: the venv's ``bin/`` on PATH (nbgrader calls ``alembic``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..errors import CourseError

__all__ = ["nbgrader", "nbgrader_env"]


def nbgrader_env(extra: dict | None = None) -> dict:
    """This process's environment with the interpreter's ``bin/`` first on PATH, updated with
    ``extra`` (a value of ``None`` removes that variable)."""
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def nbgrader(*args: str, cwd: Path, env: dict | None = None, timeout: float | None = None,
             check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in ``cwd`` and return the completed process.

    Raises:
        CourseError: when ``check`` and the command fails, with nbgrader's last error line.
    """
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=str(cwd),
                          env=nbgrader_env(env), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if "ERROR" in ln]
        detail = lines[-1].strip() if lines else (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise CourseError(f"nbgrader {args[0]} failed ({detail}); run it by hand in {cwd} to see "
                          f"the full log.")
    return proc
