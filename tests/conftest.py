"""Shared fixtures: small seeded data, an isolated run folder."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def run_dir_tmp(tmp_path, monkeypatch):
    """Send ``common.report`` outputs to a temporary folder."""
    monkeypatch.setenv("DLMIA_RUN_DIR", str(tmp_path / "run"))
    return tmp_path / "run"
