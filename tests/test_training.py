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


def _linear_setup(seed=0):
    seed_everything(seed)
    model = nn.Linear(4, 2)
    tr, va = _loaders(seed)
    return model, tr, va


def test_batch_scheduler_steps_after_every_optimizer_step():
    model, tr, va = _linear_setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=2,
               scheduler=sched, scheduler_interval="batch", progress=False)
    steps = len(tr)                                   # 10 batches of 16 out of 150 rows
    assert np.allclose(hist.frame["lr"], [0.1 * 0.5 ** steps, 0.1 * 0.5 ** (2 * steps)])


def test_one_cycle_per_batch_runs_exactly_its_total_steps():
    model, tr, va = _linear_setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3 * len(tr))
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=3,
               scheduler=sched, scheduler_interval="batch", progress=False)
    assert sched.last_epoch == 3 * len(tr)            # one more step would raise in OneCycleLR
    assert hist.frame["lr"].iloc[0] > 0.09 and hist.frame["lr"].iloc[-1] < 0.001   # warm, then annealed


def test_plateau_cannot_be_stepped_per_batch():
    model, tr, va = _linear_setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), optimizer=opt, max_epochs=1,
            scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau(opt), scheduler_interval="batch",
            progress=False)


def _two_term_step(log):
    """A step returning a dict of two loss terms; appends each batch's values to ``log``."""
    ce = nn.CrossEntropyLoss()

    def step(model, batch, device):
        inputs, target = batch
        out = model(inputs.to(device))
        terms = {"ce": ce(out, target.to(device)), "l2": 0.01 * out.pow(2).mean()}
        log.append({k: v.item() for k, v in terms.items()})
        return terms

    return step


def test_dict_losses_are_summed_and_recorded_per_term():
    log = []
    model, tr, va = _linear_setup()
    hist = fit(model, tr, va, step=_two_term_step(log), loss_fn=nn.CrossEntropyLoss(),
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=2, progress=False)
    f = hist.frame
    assert list(f.columns[:5]) == ["epoch", "train_loss", "ce", "l2", "lr"]
    sizes = [len(y) for _, y in tr]                   # per-sample means: 9 batches of 16, one of 6
    for epoch in (0, 1):
        batches = log[epoch * len(sizes):(epoch + 1) * len(sizes)]
        for term in ("ce", "l2"):
            want = sum(b[term] * n for b, n in zip(batches, sizes)) / sum(sizes)
            assert f[term].iloc[epoch] == pytest.approx(want, rel=1e-12)
    assert np.allclose(f["train_loss"], f["ce"] + f["l2"], rtol=1e-12)
    assert "val_loss" in f                            # validation still uses loss_fn on predict()

    # the backward pass used the sum of the terms: same weights as a step returning ce + l2
    summed_log = []
    model2, tr2, va2 = _linear_setup()
    inner = _two_term_step(summed_log)
    fit(model2, tr2, va2, step=lambda m, b, d: sum(inner(m, b, d).values()),
        loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model2.parameters(), lr=0.1),
        max_epochs=2, progress=False)
    for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
        assert torch.equal(a, b)


def test_loss_terms_may_not_shadow_history_columns():
    model, tr, va = _linear_setup()
    ce = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="rename"):
        fit(model, tr, None, step=lambda m, b, d: {"lr": ce(m(b[0]), b[1])},
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1, progress=False)


class _Scripted:
    """An ``evaluate`` that returns a scripted score per call and remembers the weights it saw."""

    def __init__(self, values):
        self.values, self.calls, self.states = list(values), 0, []

    def __call__(self, model, loader):
        self.states.append({k: v.clone() for k, v in model.state_dict().items()})
        value = self.values[self.calls]
        self.calls += 1
        return {"score": value, "other": -value}


@pytest.mark.parametrize("mode, best_epoch", [("max", 2), ("min", 5)])
def test_evaluate_with_mode_picks_and_restores_the_best_epoch(mode, best_epoch):
    model, tr, va = _linear_setup()
    scores = [0.2, 0.9, 0.5, 0.9, 0.1]
    evaluate = _Scripted(scores)
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), evaluate=evaluate,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=5,
               monitor="val_score", mode=mode, progress=False)
    assert hist.frame["val_score"].tolist() == scores
    assert hist.frame["val_other"].tolist() == [-s for s in scores]
    assert "val_loss" not in hist.frame                # evaluate replaces loss_fn on validation
    assert hist.best_epoch == best_epoch and hist.best_score == scores[best_epoch - 1]
    for k, v in model.state_dict().items():
        assert torch.equal(v, evaluate.states[best_epoch - 1][k])
    assert not model.training


def test_evaluate_patience_and_plateau_follow_mode_max():
    model, tr, va = _linear_setup()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=0)
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(),
               evaluate=_Scripted([0.2, 0.9, 0.5, 0.9, 0.95, 0.99]), optimizer=opt,
               max_epochs=6, scheduler=sched, patience=2, monitor="val_score", mode="max",
               progress=False)
    assert hist.stopped_early and len(hist.frame) == 4   # 0.5 and a tie 0.9 do not improve
    assert hist.best_epoch == 2
    assert np.allclose(hist.frame["lr"], [0.1, 0.1, 0.1, 0.05])   # halved after epoch 3


def test_evaluate_needs_a_monitor_it_returns():
    model, tr, va = _linear_setup()
    with pytest.raises(KeyError, match="monitor"):
        fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(), evaluate=_Scripted([0.5]),
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1, progress=False)


def test_time_limit_stops_after_the_epoch_and_validates_it():
    model, tr, va = _linear_setup()
    hist = fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(),
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=10,
               val_interval=5, time_limit_s=0.0, progress=False)
    assert len(hist.frame) == 1 and hist.stopped_early
    assert not np.isnan(hist.frame["val_loss"].iloc[0]) and hist.best_epoch == 1
    assert hist.frame["seconds"].iloc[0] >= 0


def test_time_limit_counts_training_time():
    import time

    model, tr, va = _linear_setup()
    ce = nn.CrossEntropyLoss()

    def slow_step(m, batch, device):
        time.sleep(0.01)
        return ce(m(batch[0]), batch[1])

    hist = fit(model, tr, va, step=slow_step, loss_fn=ce,
               optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=50,
               val_interval=10, time_limit_s=0.15, progress=False)
    assert 2 <= len(hist.frame) < 50 and hist.stopped_early   # 10 batches of >= 10 ms per epoch
    assert hist.frame["val_loss"].notna().tolist()[-1]
    assert hist.frame["seconds"].is_monotonic_increasing


def test_fit_needs_a_loss():
    model, tr, va = _linear_setup()
    with pytest.raises(ValueError, match="loss_fn"):
        fit(model, tr, va, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1)


def test_progress_goes_to_stdout_only(capsys, monkeypatch):
    monkeypatch.delenv("DLMIA_PROGRESS", raising=False)
    model, tr, va = _linear_setup()
    fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=2, progress="batch")
    out, err = capsys.readouterr()
    assert err == ""
    assert "epoch=1 train_loss=" in out and "epoch=2 train_loss=" in out and "val_loss=" in out
    monkeypatch.setenv("DLMIA_PROGRESS", "0")
    fit(model, tr, va, loss_fn=nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), max_epochs=1, progress="batch")
    assert capsys.readouterr() == ("", "")
