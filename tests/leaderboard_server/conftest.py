"""Fixtures of the leaderboard server's tests: a service on a temporary SQLite database, users,
an open lab01 (its key ships with scikit-learn) and small answer keys for the other labs in a
temporary data root. Helpers shared by the test modules live in ``lb_helpers.py`` (this folder
is put on ``sys.path`` for them)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common.leaderboard_server.service import Leaderboard, utcnow  # noqa: E402
from common.leaderboard_server.settings import Settings  # noqa: E402
from lb_helpers import LAB, load_corpus  # noqa: E402


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    """A data root with small answer keys for every lab (lab01's key is scikit-learn's)."""
    root = tmp_path / "data"
    load_corpus()._write_keys(root)
    monkeypatch.setenv("DLMIA_DATA", str(root))
    monkeypatch.setenv("DLMIA_LAB07_REFERENCE", str(root / "reference.csv"))
    return root


@pytest.fixture
def service(tmp_path, data_root):
    lb = Leaderboard(Settings(db_url=f"sqlite:///{tmp_path / 'lb.db'}"))
    yield lb
    lb.close()


@pytest.fixture
def users(service):
    """Tokens of two students and an instructor."""
    students = service.add_users([("s1", "Ada Lovelace"), ("s2", "Bob Builder")])
    prof = service.add_users([("prof", "Professor X")], role="instructor")[0]
    return {"s1": students[0]["token"], "s2": students[1]["token"], "prof": prof["token"]}


@pytest.fixture
def lab01(service):
    """lab01 open for a week, 3 scored submissions per day."""
    return service.set_lab(LAB, True, utcnow() + timedelta(days=7), 3)


