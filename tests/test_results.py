"""The README's results table: figures from metrics.json, intervals beside their figure."""

import json

import pytest

from common.labs import lab_ids
from common.results import END, START, results_table, update_readme


def _write(runs, lab, metrics):
    (runs / lab).mkdir(parents=True)
    (runs / lab / "metrics.json").write_text(json.dumps(metrics))


def test_table_prints_intervals_beside_their_figure(tmp_path):
    lab, other = lab_ids()[:2]
    _write(tmp_path, lab, {"auc_3d": 0.8081, "auc_3d_ci_low": 0.7512, "auc_3d_ci_high": 0.861,
                           "auc_early": 0.749, "wall_s": 103.4, "peak_rss_mb": 1800.0,
                           "backbone_weights": "random"})
    table = results_table(tmp_path)
    row = next(line for line in table.splitlines() if line.startswith(f"| {lab} |"))
    assert "`auc_3d` 0.808 [0.751, 0.861]" in row
    assert "`auc_early` 0.749," in row and "ci_low" not in row and "ci_high" not in row
    assert "`backbone_weights` random" in row
    assert row.endswith("| 103.4 | 1800.0 |")
    assert f"| {other} | not run | | |" in table


def test_update_readme_replaces_only_the_marked_block(tmp_path):
    _write(tmp_path / "runs", lab_ids()[0], {"test_accuracy": 0.9833, "smoke": True})
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n")
    update_readme(readme, tmp_path / "runs")
    text = readme.read_text()
    assert text.startswith("# Title\n\nbefore\n") and text.endswith(f"{END}\nafter\n")
    assert "old table" not in text and "`test_accuracy` 0.983 (smoke run)" in text
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="no results markers"):
        update_readme(readme, tmp_path / "runs")
