"""A demonstration: a server on a temporary database, a few fake students submitting each lab's
reference CSV (and a bad one), and screenshots of the student page and the board taken with
headless Chromium.

The answer keys are the data root's (``$DLMIA_DATA``, the phantoms by default); lab01's ships with
scikit-learn. A lab whose key is not built is left out. Fake student ``k`` submits the reference
run's CSV (``runs/<lab>/<file>``) when there is one, else the key's own answers, with the
predictions of ``k`` tenths of the rows moved to other rows, so the board has a spread of
scores.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CourseError
from ..paths import runs_root
from ..submissions.registry import labs_with_submissions, specs_for
from .service import Leaderboard, utcnow
from .settings import Settings

__all__ = ["run_demo", "chromium", "CHROMIUM", "CHROMIUM_ARGS", "serve_in_thread"]

#: the system's Chromium (Debian package ``chromium``).
CHROMIUM = os.environ.get("DLMIA_CHROMIUM", "/usr/bin/chromium")
#: a headless browser that reaches nothing but the local server.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: fake students: login, real name, display name.
STUDENTS = [("ada", "Ada Lovelace", "GradientDescent"), ("bob", "Bob Builder", "Backprop <b>Bob</b>"),
            ("cy", "Cy Young", "DiceLoss"), ("dee", "Dee Ray", "Overfit & Proud")]


@contextlib.contextmanager
def chromium():
    """A headless Chromium page driven by Playwright; never downloads a browser.

    Raises:
        CourseError: Chromium or the playwright package is missing.
    """
    if not Path(CHROMIUM).is_file():
        raise CourseError(f"Chromium was not found at {CHROMIUM}; install it with `make "
                          f"browser-tool` (apt-get install chromium chromium-driver).")
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        raise CourseError("The playwright package is missing; run `pip install -e '.[dev]'`.") from None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            yield context.new_page()
        finally:
            browser.close()


@contextlib.contextmanager
def serve_in_thread(service: Leaderboard, port: int = 0):
    """Serve ``service`` with uvicorn in a thread on 127.0.0.1; yields the base URL."""
    import socket

    import uvicorn

    from .app import create_app

    if not port:
        with contextlib.closing(socket.socket()) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(service.settings, service=service),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise CourseError(f"The demonstration server could not start on 127.0.0.1:{port}.")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _reference(spec, key: pd.DataFrame) -> pd.DataFrame:
    path = runs_root() / spec.lab / spec.filename
    if path.is_file():
        from ..submissions.check import check_submission

        checked = check_submission(spec, path, key=key)
        if checked.valid:
            return pd.read_csv(path, dtype=str, keep_default_na=False)
    return spec.example(key, False)


def _worse(frame: pd.DataFrame, k: int, seed: int) -> pd.DataFrame:
    """``frame`` with the last column's values of ``k`` tenths of the rows moved between them."""
    frame = frame.copy()
    n = int(round(len(frame) * k / 10))
    if n >= 2:
        rows = np.random.default_rng(seed).choice(len(frame), n, replace=False)
        column = frame.columns[-1]
        values = frame[column].to_numpy(copy=True)
        values[rows] = values[np.roll(rows, 1)]
        frame[column] = values
    return frame


def _save(page, path: Path) -> None:
    partial = path.with_name(f".{path.name}.partial.png")
    try:
        page.screenshot(path=str(partial), full_page=True)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def run_demo(out: Path, labs: list[str] | None = None) -> list[Path]:
    """Run the demonstration; write ``student.png``, ``board.png`` and
    ``board_after_deadline.png`` into ``out``.

    Args:
        out: the folder for the screenshots (created; only those three files are written).
        labs: the labs to show (default: every lab whose answer key is built).

    Returns:
        The screenshots written.

    Raises:
        CourseError: Chromium is missing, or ``out`` cannot be a folder.
    """
    import httpx

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CourseError(f"{out} is a file; pass --out a folder for the screenshots.")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dlmia-leaderboard-demo-"))
    service = Leaderboard(Settings(db_url=f"sqlite:///{work / 'demo.db'}"))
    written = []
    try:
        added = service.add_users([(login, name) for login, name, _ in STUDENTS])
        tokens = [a["token"] for a in added]
        prof = service.add_users([("instructor", "Instructor")], role="instructor")[0]["token"]
        for (login, _, display), a in zip(STUDENTS, added):
            service.set_display_name(service.authenticate(a["token"]), display)
        uploads = []
        for lab in labs or labs_with_submissions():
            try:
                service.set_lab(lab, True, utcnow() + timedelta(days=7), 5)
            except CourseError:
                if labs:
                    raise
                continue                              # its answer key is not built here
            for spec in specs_for(lab):
                key = service.keys.key(spec)
                reference = _reference(spec, key)
                for k, token in enumerate(tokens):
                    body = _worse(reference, k, seed=k).to_csv(index=False).encode()
                    uploads.append((lab, spec.filename, token, body))
        with serve_in_thread(service) as url, httpx.Client(base_url=url, timeout=120) as client:
            for lab, filename, token, body in uploads:
                client.post(f"/api/labs/{lab}/submissions", files={"file": (filename, body)},
                            data={"name": filename}, headers={"Authorization": f"Bearer {token}"})
            with chromium() as page:
                page.goto(url + "/")
                page.fill("#token", tokens[1])
                page.click("#signin button")
                form = page.locator("form.upload").first
                bad = work / "my predictions.csv"
                bad.write_text("ImageId,Label\n1,3.0\n2,\n")
                form.locator("input[type=file]").set_input_files(str(bad))
                form.locator("button[type=submit]").click()
                page.wait_for_selector("#result")
                _save(page, out / "student.png")
                written.append(out / "student.png")
                page.goto(url + "/board")
                _save(page, out / "board.png")
                written.append(out / "board.png")
                for info in service.labs():
                    client.put(f"/api/admin/labs/{info.lab}",
                               json={"deadline": (utcnow() - timedelta(seconds=1)).isoformat() + "Z"},
                               headers={"Authorization": f"Bearer {prof}"})
                page.goto(url + "/board")
                _save(page, out / "board_after_deadline.png")
                written.append(out / "board_after_deadline.png")
    finally:
        service.close()
        shutil.rmtree(work, ignore_errors=True)
    return written
