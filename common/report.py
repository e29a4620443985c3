"""What a lab leaves behind: figures, CSVs and a flat ``metrics.json`` in its run folder."""

from __future__ import annotations

import json
import math
import resource
import sys
from pathlib import Path
from typing import Any, Mapping

from .paths import run_dir

__all__ = ["save_metrics", "load_metrics", "save_figure", "output_path", "peak_rss_mb"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float):
        return round(value, 6)
    return value


def save_metrics(lab: str, metrics: Mapping[str, Any]) -> Path:
    """Merge ``metrics`` into ``<run_dir>/metrics.json`` and add ``peak_rss_mb``.

    Args:
        lab: the assignment id, e.g. ``"lab01_digits_mlp"``.
        metrics: flat mapping of names to numbers (NumPy/torch scalars are converted).

    Returns:
        The path of ``metrics.json``.
    """
    path = run_dir(lab) / "metrics.json"
    data = load_metrics(path) if path.exists() else {}
    data.update({str(k): _plain(v) for k, v in metrics.items()})
    data["peak_rss_mb"] = max(float(data.get("peak_rss_mb") or 0.0), peak_rss_mb())
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def load_metrics(path: Path) -> dict:
    """Read a ``metrics.json`` file."""
    return json.loads(Path(path).read_text())


def output_path(lab: str, name: str) -> Path:
    """Path of an output file (a CSV, an ``.npz``) in the lab's run folder."""
    return run_dir(lab) / name


def save_figure(fig, lab: str, name: str, dpi: int = 110) -> Path:
    """Save a matplotlib figure as ``<run_dir>/<name>.png`` and return the path."""
    path = run_dir(lab) / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
