"""Shared fixtures: small seeded data, an isolated run folder."""

from __future__ import annotations

import os

# Parallel workers (pytest -n N) each running torch on every core oversubscribe the CPU many
# times over; give each worker, and the notebook kernels it starts, its share of the cores.
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _workers > 1 and "OMP_NUM_THREADS" not in os.environ:
    os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // _workers))

import atexit  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from common.env import RUN_DIR_ENV  # noqa: E402

# No test writes into the checkout's runs/: a notebook or tool that a test runs without choosing
# its run folder writes into a throw-away one (tests that need their own still set it).
if RUN_DIR_ENV not in os.environ:
    os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix="dlmia-test-runs-")
    atexit.register(shutil.rmtree, os.environ[RUN_DIR_ENV], True)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def run_dir_tmp(tmp_path, monkeypatch):
    """Send ``common.report`` outputs to a temporary folder."""
    monkeypatch.setenv(RUN_DIR_ENV, str(tmp_path / "run"))
    return tmp_path / "run"
