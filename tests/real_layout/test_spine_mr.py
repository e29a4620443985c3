"""lab06 on a SPIDER download prepared as the card says: no geometric truth, no answer key."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from common.autoencoder import load_spine_mr
from common.cli import main
from common.paths import data_root
from real_layout.smoke import run_smoke_untouched
from real_layout.spine_mr import make_real_layout

LAB = "lab06_autoencoder_features"


@pytest.fixture(scope="module")
def real_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("real_spider")
    make_real_layout(data_root() / "spine_mr", root / "spine_mr", n_patients=14)
    return root


def test_the_prepared_spider_folder_reads_and_checks(real_root, capsys):
    data = load_spine_mr(real_root / "spine_mr")
    assert data.truth is None and "1" in data.cases and len(data.cases) == 14
    assert not (real_root / "spine_mr" / "ground_truth.csv").exists()
    assert main(["data", "check", "spine_mr", str(real_root / "spine_mr")]) == 0, \
        capsys.readouterr().out


@pytest.mark.slow
def test_lab06_smoke_runs_on_the_real_layout_and_leaves_it_untouched(real_root, tmp_path):
    run = run_smoke_untouched(LAB, real_root, tmp_path / "runs")
    metrics = json.loads((run / "metrics.json").read_text())
    assert 0 <= metrics["seg_dice"] <= 1 and 0 <= metrics["auc_geometry"] <= 1
    # no answer key and no geometric truth in a real download: neither figure can be computed
    assert all(metrics.get(k) is None or math.isnan(metrics[k])
               for k in ("leaderboard_auc", "height_mae_mm"))
    predictions = pd.read_csv(run / "predictions.csv", dtype=str)
    test = pd.read_excel(real_root / "spine_mr" / "annotations.xlsx", dtype={"patient_id": str})
    assert set(predictions["patient_id"]) == set(test[test.split == "test"]["patient_id"])
