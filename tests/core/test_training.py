import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from common.seed import seed_everything, seeded_generator
from common.training import accuracy_from_logits, fit, predict


def _problem(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def _loaders(seed=0):
    x, y = _problem()
    tr = DataLoader(TensorDataset(x[:150], y[:150]), batch_size=16, shuffle=True,
                    generator=seeded_generator(seed))
    va = DataLoader(TensorDataset(x[150:], y[150:]), batch_size=64)
    return tr, va


def _train(max_epochs=15, **kw):
    seed_everything(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    tr, va = _loaders()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=max_epochs,
               metrics={"accuracy": accuracy_from_logits}, progress=False, **kw)
    return model, hist


def test_fit_learns_and_records_history():
    model, hist = _train()
    f = hist.frame
    assert list(f.columns[:3]) == ["epoch", "train_loss", "lr"]
    assert {"val_loss", "val_accuracy"} <= set(f.columns)
    assert f["train_loss"].iloc[-1] < f["train_loss"].iloc[0]
    assert f["val_accuracy"].max() > 0.9


def test_fit_restores_best_weights():
    model, hist = _train(monitor="val_accuracy", mode="max")
    _, va = _loaders()
    out, tgt = predict(model, va)
    assert accuracy_from_logits(out, tgt) == pytest.approx(hist.best_score)
    assert hist.frame.loc[hist.frame.epoch == hist.best_epoch, "val_accuracy"].item() == hist.best_score


def test_fit_is_deterministic_on_cpu():
    m1, h1 = _train(max_epochs=3)
    m2, h2 = _train(max_epochs=3)
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert torch.equal(a, b)
    assert h1.frame["train_loss"].tolist() == h2.frame["train_loss"].tolist()


def test_early_stopping_and_val_interval():
    seed_everything(0)
    model = nn.Linear(4, 2)
    tr, va = _loaders()
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # nothing improves after the first check
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=50,
               val_interval=2, patience=2, progress=False)
    assert hist.stopped_early
    assert len(hist.frame) == 6          # validations at epochs 2 (best), 4, 6 → stop
    assert hist.frame["val_loss"].isna().sum() == 3


def test_scheduler_is_stepped():
    seed_everything(0)
    model = nn.Linear(4, 2)
    tr, va = _loaders()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=3,
               scheduler=sched, progress=False)
    assert np.allclose(hist.frame["lr"], [0.1, 0.05, 0.025])


def test_tuple_inputs_are_unpacked():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 2)

        def forward(self, x, extra):
            return self.a(x) + extra

    x, y = _problem(32)
    extra = torch.zeros(32, 2)
    loader = DataLoader(TensorDataset(x, extra, y), batch_size=8,
                        collate_fn=lambda b: ((torch.stack([i[0] for i in b]),
                                               torch.stack([i[1] for i in b])),
                                              torch.stack([i[2] for i in b])))
    out, tgt = predict(Two(), loader)
    assert out.shape == (32, 2) and torch.equal(tgt, y)


def test_bad_monitor_is_explained():
    model = nn.Linear(4, 2)
    tr, va = _loaders()
    with pytest.raises(KeyError, match="monitor"):
        fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1,
            monitor="val_dice", progress=False)
