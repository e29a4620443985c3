"""Helpers of the leaderboard server's tests: CSVs from lab01's key, the submission corpus, and a
real server process on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from common.digits import digits_answer_key

LAB = "lab01_digits_mlp"
FILE = "Hw1_submission_Z.csv"
ROOT = Path(__file__).resolve().parents[2]


def load_corpus():
    """The submission corpus module (tests/submissions/test_corpus.py): its bad files and keys."""
    spec = importlib.util.spec_from_file_location("_corpus_for_leaderboard",
                                                  ROOT / "tests" / "submissions" / "test_corpus.py")
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def perfect_csv() -> bytes:
    return digits_answer_key().to_csv(index=False).encode()


def csv_with_wrong(ids: list[int]) -> bytes:
    """lab01's key with the labels of ``ids`` (1-based ImageIds) made wrong."""
    key = digits_answer_key()
    wrong = key["ImageId"].isin(ids)
    key.loc[wrong, "Label"] = (key.loc[wrong, "Label"] + 1) % 10
    return key.to_csv(index=False).encode()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server_process(db: Path, env: dict | None = None, timeout: float = 60):
    """``dlmia leaderboard serve`` on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    log = open(db.with_suffix(f".{port}.log"), "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "common.cli", "leaderboard", "serve", "--db", f"sqlite:///{db}",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {db.with_suffix(f'.{port}.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within the timeout")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def thread_server(service):
    """A uvicorn server in a thread of this process, on a free port of 127.0.0.1, over
    ``service``; yields its base URL and stops it after."""
    import threading

    import uvicorn

    from common.leaderboard_server.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(service.settings, service=service), host="127.0.0.1",
                            port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the in-process server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def lab07_reference(root: Path):
    """Write a lab07 reference table into ``root`` (values 0.50 ... 0.90) and return it."""
    import numpy as np

    from common.submissions import spec_for

    spec = spec_for("lab07_inflated_densenet")
    reference = spec.example(spec.load_key())
    reference["cosine_similarity"] = 0.5 + 0.05 * np.arange(9)
    reference.to_csv(root / "reference.csv", index=False)
    return reference
