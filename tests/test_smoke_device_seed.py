import torch

from common.device import get_device
from common.env import DEVICE_ENV, NBGRADER_EXECUTION_ENV, SMOKE_ENV
from common.seed import seed_everything, seeded_generator
from common.smoke import is_smoke, smoke


def test_smoke_switch_env(monkeypatch):
    monkeypatch.delenv(SMOKE_ENV, raising=False)
    monkeypatch.delenv(NBGRADER_EXECUTION_ENV, raising=False)
    assert not is_smoke() and smoke(10, 1) == 10
    monkeypatch.setenv(SMOKE_ENV, "1")
    assert is_smoke() and smoke(10, 1) == 1
    monkeypatch.setenv(SMOKE_ENV, "0")
    assert not is_smoke()


def test_smoke_switch_under_nbgrader(monkeypatch):
    monkeypatch.delenv(SMOKE_ENV, raising=False)
    monkeypatch.setenv(NBGRADER_EXECUTION_ENV, "autograde")
    assert is_smoke()


def test_device_env_override(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert get_device().type == "cpu"
    monkeypatch.delenv(DEVICE_ENV)
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert get_device().type == expected
    else:
        assert get_device().type in ("cpu", "mps")


def test_seed_repeats_exactly():
    seed_everything(3)
    a = torch.randn(5), torch.randint(0, 100, (5,), generator=seeded_generator(1))
    seed_everything(3)
    b = torch.randn(5), torch.randint(0, 100, (5,), generator=seeded_generator(1))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    seed_everything(4)
    assert not torch.equal(torch.randn(5), a[0])
