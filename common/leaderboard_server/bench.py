"""``dlmia leaderboard bench``: the figures the leaderboard is held to, printed.

1. Scoring one upload of each lab's reference CSV (``runs/<lab>/<file>`` when the reference run
   wrote it, else the key's own answers), server side: store, validate, score on the whole split
   and on both parts, record (target: at most 1 s each, lab05's mAP included). Keys are loaded and
   scorers imported first, as the server does at start.
2. The board page for ``students`` students on ``labs`` lab files, three scored submissions each,
   before and after the deadline (target: at most 200 ms server time), both recomputed (as
   after a new upload) and unchanged since the last request (the server keeps the last board
   while the database's submissions, names and labs stay the same).
3. ``uploads`` concurrent uploads of lab01's CSV from as many students against a real server on
   127.0.0.1 (target: zero errors).

Timings depend on the machine's load; the command prints them and the targets, and decides
nothing.
"""

from __future__ import annotations

import io
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from ..errors import CourseError
from ..paths import runs_root
from ..submissions.registry import labs_with_submissions, specs_for
from .models import Submission
from .service import Leaderboard, utcnow
from .settings import Settings

__all__ = ["run_bench"]


def _reference_bytes(spec, key) -> tuple[bytes, str]:
    path = runs_root() / spec.lab / spec.filename
    if path.is_file():
        return path.read_bytes(), str(path)
    return spec.example(key, False).to_csv(index=False).encode(), "the key's own answers"


def _scoring(service: Leaderboard, token: str) -> None:
    user = service.authenticate(token)
    print("1. scoring one upload of each lab's reference CSV, server side (target <= 1 s)")
    for lab in labs_with_submissions():
        try:
            service.set_lab(lab, True, utcnow() + timedelta(days=1), 1000)
        except CourseError as exc:
            print(f"   {lab}: not measured ({exc})")
            continue
        service.warm()
        for spec in specs_for(lab):
            body, source = _reference_bytes(spec, service.keys.key(spec))
            times, cpu, result = [], [], None
            for _ in range(3):
                start, start_cpu = time.perf_counter(), time.process_time()
                result = service.submit(user, lab, io.BytesIO(body), spec.filename, spec.filename)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            score = (f"public {result['public_score']:.4f}" if result["status"] == "scored"
                     else f"{result['status']}: {' '.join(result['problems'])[:120]}")
            print(f"   {lab:28s} {spec.filename:22s} {len(body) / 1024:8.1f} KiB  median "
                  f"{statistics.median(times):6.3f} s (CPU {statistics.median(cpu):6.3f} s)  max "
                  f"{max(times):6.3f} s  ({score}; {source})")


def _board(service: Leaderboard, students: int, lab_files: int) -> None:
    from fastapi.testclient import TestClient

    from .app import create_app

    pairs = [(lab, s.filename) for lab in labs_with_submissions() for s in specs_for(lab)]
    labs = []
    for lab, filename in pairs:
        if len(labs) >= lab_files:
            break
        try:
            service.set_lab(lab, True, utcnow() + timedelta(days=1), 5)
        except CourseError:
            continue                  # key not built: this board is made of other labs
        labs.append((lab, filename))
    added = service.add_users([(f"bench{i:04d}", f"Bench Student {i}") for i in range(students)])
    with service.read() as s:
        from sqlalchemy import select

        from .models import User
        ids = [uid for (uid,) in s.execute(select(User.id).where(User.login.like("bench%")))]
    now = utcnow()
    rows = []
    for n, uid in enumerate(ids):
        for lab, filename in labs:
            for k in range(3):
                score = ((n * 7919 + k * 104729) % 10_000) / 10_000
                rows.append(dict(user_id=uid, lab=lab, filename=filename, original_name=filename,
                                 created_at=now, day=now.date().isoformat(),
                                 stored_name=f"bench-{uid}-{lab}-{filename}-{k}", sha256="0" * 64,
                                 size=1, status="scored", problems="[]", public_score=score,
                                 private_score=score * 0.9, score=score * 0.95, marked=k == 1))
    with service.write.begin() as s:
        s.execute(insert(Submission), rows)
    print(f"2. the board page: {len(added)} students x {len(labs)} lab files, {len(rows)} scored "
          f"submissions (target <= 200 ms server time)")
    with TestClient(create_app(service.settings, service=service)) as client:
        for when in ("before the deadline", "after the deadline"):
            if when == "after the deadline":
                for lab in {lab for lab, _ in labs}:
                    service.set_lab(lab, deadline=utcnow() - timedelta(seconds=1))
            client.get("/board")
            for cache in ("recomputed", "unchanged"):
                times, cpu, render = [], [], []
                for _ in range(5):
                    if cache == "recomputed":
                        service._board_cache = None       # as after a new upload
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.get("/board")
                    times.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                    render.append(float(response.headers["server-timing"].split("dur=")[1]) / 1000)
                print(f"   {when:20s} board {cache:10s} median {1000 * statistics.median(times):6.1f} ms "
                      f"(CPU {1000 * statistics.median(cpu):6.1f} ms, template "
                      f"{1000 * statistics.median(render):5.1f} ms), max "
                      f"{1000 * max(times):6.1f} ms, {len(response.content) / 1024:.0f} KiB")


def _concurrent(service: Leaderboard, uploads: int) -> None:
    import httpx

    from .demo import serve_in_thread

    lab = "lab01_digits_mlp"
    spec = specs_for(lab)[0]
    service.set_lab(lab, True, utcnow() + timedelta(days=1), 1000)
    body, source = _reference_bytes(spec, service.keys.key(spec))
    tokens = [a["token"] for a in service.add_users([(f"load{i:03d}", "") for i in range(uploads)])]
    barrier = threading.Barrier(uploads)
    print(f"3. {uploads} concurrent uploads of {lab} ({source}) from {uploads} students to a real "
          f"server on 127.0.0.1 (target: zero errors)")
    with serve_in_thread(service) as url:
        def one(token):
            with httpx.Client(timeout=300) as client:
                barrier.wait()
                start = time.perf_counter()
                r = client.post(f"{url}/api/labs/{lab}/submissions", files={"file": (spec.filename, body)},
                                headers={"Authorization": f"Bearer {token}"})
                return r.status_code, time.perf_counter() - start

        start = time.perf_counter()
        with ThreadPoolExecutor(uploads) as pool:
            results = list(pool.map(one, tokens))
        wall = time.perf_counter() - start
    errors = [code for code, _ in results if code != 201]
    latencies = sorted(t for _, t in results)
    print(f"   all done in {wall:.2f} s; errors {len(errors)}{' ' + str(errors[:5]) if errors else ''}; "
          f"latency median {statistics.median(latencies):.2f} s, max {latencies[-1]:.2f} s")


def run_bench(students: int = 500, labs: int = 7, uploads: int = 50) -> None:
    """Print the three figures (see the module); uses a temporary database and folder."""
    work = Path(tempfile.mkdtemp(prefix="dlmia-leaderboard-bench-"))
    try:
        for part in (1, 2, 3):
            service = Leaderboard(Settings(db_url=f"sqlite:///{work / f'bench{part}.db'}"))
            try:
                if part == 1:
                    token = service.add_users([("bench", "Bench")])[0]["token"]
                    _scoring(service, token)
                elif part == 2:
                    _board(service, students, labs)
                else:
                    _concurrent(service, uploads)
            finally:
                service.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
