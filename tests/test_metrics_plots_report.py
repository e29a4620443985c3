import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from common.metrics import classification_metrics
from common.plots import plot_confusion_matrix, plot_image_grid, plot_learning_curves, plot_roc_curves
from common.report import load_metrics, output_path, save_figure, save_metrics


def test_classification_metrics_match_by_hand():
    m = classification_metrics([0, 0, 1, 1], [0, 1, 1, 1], [0.1, 0.6, 0.7, 0.9])
    assert m["accuracy"] == 0.75
    # class 0: P=1 R=.5 F1=2/3; class 1: P=2/3 R=1 F1=.8
    assert m["f1_macro"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["roc_auc"] == 1.0
    multi = classification_metrics([0, 1, 2], [0, 1, 1], np.eye(3))
    assert multi["roc_auc"] == 1.0
    assert "roc_auc" not in classification_metrics([0, 1], [0, 1])


def test_figures_are_written(run_dir_tmp, rng):
    hist = pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5], "lr": [1e-3, 1e-3],
                         "val_loss": [1.1, 0.7], "val_accuracy": [0.5, 0.8]})
    figs = {
        "curves": plot_learning_curves(hist),
        "cm": plot_confusion_matrix([0, 1, 1], [0, 1, 0]),
        "roc": plot_roc_curves([0, 1, 1, 0], {"a": [0.1, 0.9, 0.8, 0.3]}),
        "grid": plot_image_grid([rng.random((8, 8)) for _ in range(3)], ["a", "b", "c"]),
    }
    for name, fig in figs.items():
        path = save_figure(fig, "labX", name)
        assert path.stat().st_size > 1000 and path.parent == run_dir_tmp
        matplotlib.pyplot.close(fig)


def test_save_metrics_merges_and_records_memory(run_dir_tmp):
    save_metrics("labX", {"a": np.float32(0.5)})
    path = save_metrics("labX", {"b": 2, "nan": float("nan")})
    data = load_metrics(path)
    assert data["a"] == 0.5 and data["b"] == 2 and data["nan"] is None
    assert data["peak_rss_mb"] > 10
    assert json.loads(path.read_text()) == data
    assert output_path("labX", "x.csv").parent == run_dir_tmp
