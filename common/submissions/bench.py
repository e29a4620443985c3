"""Time and memory of reading submissions: the figures behind ``dlmia grade bench-csv``.

For each lab, in a temporary folder, three files are built from the lab's answer key:

- ``largest``: the largest valid submission (:attr:`SubmissionSpec.example` with
  ``largest=True``: every id, every cell as long as the schema allows);
- ``oversize``: a file of ``--mb`` MiB (at least 1 KiB over the lab's limit), sparse after its
  header line: it must be refused by ``os.stat`` before it is read;
- ``huge cell``: a real file of the same size whose second line is one huge cell, checked with the
  size limit lifted above it: reading must stop at the cell limit instead of loading the cell.

Each measurement runs in a fresh Python process: it imports :mod:`common.submissions`, makes the
call once (the first call loads the answer key and the scorer's libraries), then makes it again.
It reports seconds of both calls, the process's peak resident memory over the first call
(``VmHWM``), and how much the peak grew during the repeat (the cost of the file itself once the
libraries are loaded). Nothing here asserts a time: the figures are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .reader import format_size
from .registry import labs_with_submissions, spec_for, specs_for

__all__ = ["bench_csv", "build_bench_files", "TARGETS"]

#: the figures aimed at: (seconds, peak MB) of refusing an oversize file and of validating and
#: scoring the largest legitimate one.
TARGETS = {"reject": (1.0, 300), "largest": (2.0, 500)}
_CASES = ("oversize", "huge cell", "validate", "score")


def build_bench_files(spec, key, folder: Path, mb: float) -> dict[str, Path]:
    """Write the three benchmark files of ``spec`` into ``folder``.

    Args:
        spec: a submission spec with an ``example``.
        key: its answer key.
        folder: where to write.
        mb: the size of the oversize and huge-cell files in MiB (raised to 1 KiB over the limit).

    Returns:
        ``{"largest": path, "oversize": path, "huge cell": path}``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    largest = folder / "largest" / spec.filename
    largest.parent.mkdir(exist_ok=True)
    spec.example(key, True).to_csv(largest, index=False)
    size = max(int(mb * 2**20), spec.max_bytes + 1024)
    header = ",".join(spec.schema.names) + "\n"
    first_id = spec.expected_ids(key)[0]
    oversize = folder / "oversize" / spec.filename
    oversize.parent.mkdir(exist_ok=True)
    with open(oversize, "wb") as f:
        f.write(header.encode())
        f.truncate(size)                      # sparse: the size is what is measured
    huge = folder / "huge_cell" / spec.filename
    huge.parent.mkdir(exist_ok=True)
    chunk = b"1" * 2**23
    with open(huge, "wb") as f:
        f.write(f"{header}{first_id},".encode())
        while f.tell() + len(chunk) < size:
            f.write(chunk)
        f.write(b"1" * (size - f.tell() - 1) + b"\n")
    return {"largest": largest, "oversize": oversize, "huge cell": huge}


def _vm(field: str) -> float | None:
    """A ``VmHWM``/``VmRSS`` figure of this process in MiB (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _peak_mb() -> float:
    peak = _vm("VmHWM")
    if peak is not None:
        return peak
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _measure(task: dict, imported: float) -> dict:
    """Run one measured call in this process (the child side of :func:`bench_csv`).

    Args:
        task: ``lab, filename, case, path, max_mb``.
        imported: seconds the child took to import :mod:`common.submissions`.
    """
    from . import score_submission, validate_submission
    lab, path, name, max_mb = task["lab"], task["path"], task["filename"], task.get("max_mb")

    def call():
        if task["case"] == "score":
            return score_submission(lab, path, name, max_mb=max_mb)
        return validate_submission(lab, path, name, max_mb=max_mb)

    start = time.perf_counter()
    first = call()
    first_s = time.perf_counter() - start
    peak = _peak_mb()
    growth = None
    if _reset_peak():
        before = _vm("VmRSS")
        start = time.perf_counter()
        call()
        repeat_s = time.perf_counter() - start
        after = _vm("VmHWM")
        growth = None if before is None or after is None else max(0.0, after - before)
    else:
        start = time.perf_counter()
        call()
        repeat_s = time.perf_counter() - start
    outcome = (f"score {first:.4f}" if isinstance(first, float)
               else "valid" if not first else first[0][:90])
    return {"import_s": imported, "first_s": first_s, "repeat_s": repeat_s, "peak_mb": peak,
            "growth_mb": growth, "outcome": outcome}


def _run_child(task: dict, env: dict) -> dict:
    code = ("import json, sys, time; start = time.perf_counter(); import common.submissions; "
            "imported = time.perf_counter() - start; from common.submissions.bench import _measure; "
            "print(json.dumps(_measure(json.loads(sys.argv[1]), imported)))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(task)], capture_output=True,
                          text=True, env=env, cwd=Path(__file__).resolve().parents[2])
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": last[:120]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _lab07_reference(spec, key, folder: Path) -> dict:
    """The environment that gives lab07 a reference table when none exists (a temporary one)."""
    from . import lab07_inflated_densenet as lab07

    if spec.lab != lab07.LAB or lab07.reference_path().is_file():
        return {}
    path = folder / "reference_similarities.csv"
    lab07.example(key).to_csv(path, index=False)
    return {lab07.REFERENCE_ENV: str(path)}


def bench_csv(labs: list[str] | None = None, mb: float = 200.0, folder: Path | None = None,
              echo=print) -> list[dict]:
    """Measure refusing oversize files and checking and scoring the largest valid ones, per lab.

    Args:
        labs: assignment ids (default: every lab with submissions); each lab's first file.
        mb: the size of the oversize files, in MiB.
        folder: where to build the files (default: a temporary folder, removed afterwards).
        echo: where each result line goes.

    Returns:
        One dict per (lab, case) with ``lab, case, file_mb`` and the child's figures (or
        ``error``/``skipped``).
    """
    results = []
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        echo(f"{'lab':28s} {'case':10s} {'file':>9s} {'import s':>8s} {'1st s':>7s} "
             f"{'again s':>7s} {'peak MB':>8s} {'grew MB':>7s}  outcome")
        for lab in labs or labs_with_submissions():
            spec = spec_for(lab, specs_for(lab)[0].filename)
            try:
                key = spec.load_key()
            except Exception as exc:   # a missing dataset skips its lab, it does not stop the bench
                echo(f"{lab:28s} skipped: {exc}")
                results.append({"lab": lab, "skipped": str(exc)})
                continue
            files = build_bench_files(spec, key, Path(tmp) / lab, mb)
            extra = _lab07_reference(spec, key, Path(tmp))
            env = {"OMP_NUM_THREADS": "1", **os.environ, **extra}
            for case in _CASES:
                path = files["largest" if case in ("validate", "score") else case]
                size = path.stat().st_size
                task = {"lab": lab, "filename": spec.filename, "case": case, "path": str(path),
                        "max_mb": (size + 2**20) / 2**20 if case == "huge cell" else None}
                got = {"lab": lab, "case": case, "file_mb": size / 2**20, **_run_child(task, env)}
                results.append(got)
                echo(_line(got))
            for path in files.values():
                path.unlink()
    for name, (seconds, megabytes) in TARGETS.items():
        echo(f"target {name}: <= {seconds:g} s and <= {megabytes} MB")
    return results


def _line(r: dict) -> str:
    head = f"{r['lab']:28s} {r['case']:10s} {format_size(r['file_mb'] * 2**20):>9s}"
    if "error" in r:
        return f"{head} error: {r['error']}"
    growth = "n/a" if r["growth_mb"] is None else f"{r['growth_mb']:.0f}"
    return (f"{head} {r['import_s']:8.2f} {r['first_s']:7.2f} {r['repeat_s']:7.3f} "
            f"{r['peak_mb']:8.0f} {growth:>7s}  {r['outcome']}")
