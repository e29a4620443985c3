"""common.env's save/restore context and common.loaders' reproducible loader."""

from __future__ import annotations

import os

import torch
from torch.utils.data import TensorDataset

from common.env import SMOKE_ENV, environment
from common.loaders import make_loader


def test_environment_sets_unsets_and_restores(monkeypatch):
    monkeypatch.setenv(SMOKE_ENV, "0")
    monkeypatch.delenv("DLMIA_TEST_ONLY", raising=False)
    with environment({SMOKE_ENV: "1", "DLMIA_TEST_ONLY": "x"}):
        assert os.environ[SMOKE_ENV] == "1" and os.environ["DLMIA_TEST_ONLY"] == "x"
    assert os.environ[SMOKE_ENV] == "0" and "DLMIA_TEST_ONLY" not in os.environ
    with environment({SMOKE_ENV: None}):
        assert SMOKE_ENV not in os.environ
    assert os.environ[SMOKE_ENV] == "0"


def test_environment_restores_after_an_error(monkeypatch):
    monkeypatch.delenv("DLMIA_TEST_ONLY", raising=False)
    try:
        with environment({"DLMIA_TEST_ONLY": "1"}):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert "DLMIA_TEST_ONLY" not in os.environ


def _order(loader) -> list[int]:
    return [int(i) for batch, in loader for i in batch]


def test_make_loader_shuffles_reproducibly_per_seed():
    data = TensorDataset(torch.arange(20))
    first = _order(make_loader(data, batch_size=4, shuffle=True, seed=3))
    assert first == _order(make_loader(data, batch_size=4, shuffle=True, seed=3))
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != _order(make_loader(data, batch_size=4, shuffle=True, seed=4))
    assert _order(make_loader(data, batch_size=4)) == list(range(20))


def test_make_loader_reshuffles_each_epoch_and_drops_last():
    loader = make_loader(TensorDataset(torch.arange(10)), batch_size=4, shuffle=True, seed=0,
                         drop_last=True)
    epochs = [_order(loader), _order(loader)]
    assert len(epochs[0]) == 8 and epochs[0] != epochs[1]
