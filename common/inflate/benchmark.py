"""Time and memory of one volume through an inflated model, measured in a fresh process.

A fresh Python process loads the saved model, registers forward hooks that keep only the
3D-pooled vectors of the named layers, and runs one (1, 1, S, S, S) volume under
``torch.inference_mode`` with a fixed number of threads. Its peak resident memory is the whole
process's (Python, torch, the model and the activations), read from ``VmHWM`` on Linux
(``getrusage`` elsewhere; on Linux it would carry the parent's peak over from the fork).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from ..errors import CourseError
from ..paths import repo_root

__all__ = ["benchmark_in_fresh_process"]

_SCRIPT = r"""
import json, resource, sys, time
import torch
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
def rss(field):
    try:
        return int(open("/proc/self/status").read().split(field + ":")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):
        return float("nan")
model = torch.load(args["model"], weights_only=False, map_location="cpu").eval()
if args["fast"]:
    from common.inflate.fast_block import fast_dense_blocks
    model = fast_dense_blocks(model)
vectors = {}
def keep(name):
    def hook(module, inputs, output):
        vectors[name] = output.mean(dim=(2, 3, 4))
    return hook
for name in args["layers"]:
    getattr(model.features, name).register_forward_hook(keep(name))
size = args["size"]
x = torch.randn(1, 1, size, size, size, generator=torch.Generator().manual_seed(0))
if args["channels_last"]:
    model = model.to(memory_format=torch.channels_last_3d)
    x = x.contiguous(memory_format=torch.channels_last_3d)
times, cpu = [], []
before = rss("VmRSS")
with torch.inference_mode():
    for _ in range(args["repeats"]):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.features(x)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
try:  # VmHWM starts afresh at exec; ru_maxrss would carry the parent's peak over a fork
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError, ValueError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = peak / 1024 if sys.platform == "darwin" else peak
best = min(range(len(times)), key=times.__getitem__)
print(json.dumps({"seconds": times[best], "cpu_seconds": cpu[best], "all_seconds": times,
                  "peak_mb": peak, "rss_before_mb": before,
                  "shapes": {k: list(v.shape) for k, v in vectors.items()}}))
"""


def benchmark_in_fresh_process(model_path: Path | str, size: int = 128,
                               layers: Sequence[str] = ("denseblock2", "denseblock3",
                                                        "denseblock4"),
                               threads: int = 2, repeats: int = 2,
                               channels_last: bool = True, fast: bool = False,
                               timeout: float = 300) -> dict:
    """Run a (1, 1, size, size, size) volume through a saved inflated model in a new process.

    Args:
        model_path: a whole model saved with ``torch.save(model)`` (a ``DenseNet3D``).
        size: the volume's side in voxels.
        layers: children of ``model.features`` to hook (pooled vectors are kept, maps dropped).
        threads: ``torch.set_num_threads`` in the child.
        repeats: forward passes; the fastest is reported (the first warms oneDNN up).
        channels_last: run in ``torch.channels_last_3d`` memory format (faster on CPU).
        fast: swap the dense blocks for :class:`~common.inflate.fast_block.FastDenseBlock3d`
            (same outputs, same hook points; see that module).
        timeout: seconds before the child is stopped.

    Returns:
        ``{"seconds", "cpu_seconds", "all_seconds", "peak_mb", "rss_before_mb", "shapes"}``: the
        fastest forward's wall time and the CPU time of that forward (all threads), every
        forward's wall time, the child's peak resident memory and its resident memory before
        the first forward (Python, torch and the model) in MiB, and the pooled vectors' shapes.
        On a busy machine the wall time exceeds ``cpu_seconds / threads``.

    Raises:
        CourseError: when the child fails or runs out of time.
    """
    arg = json.dumps({"model": str(model_path), "size": size, "layers": list(layers),
                      "threads": threads, "repeats": repeats, "channels_last": channels_last,
                      "fast": fast})
    try:
        done = subprocess.run([sys.executable, "-c", _SCRIPT, arg], capture_output=True,
                              text=True, timeout=timeout, cwd=repo_root())
    except subprocess.TimeoutExpired:
        raise CourseError(f"The benchmark took more than {timeout:.0f} s; try a smaller size.") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CourseError(f"The benchmark process failed ({last}); check that {model_path} was "
                          f"saved with torch.save(model).")
    return json.loads(done.stdout.strip().splitlines()[-1])
