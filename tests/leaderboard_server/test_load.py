"""A real server process on 127.0.0.1 under 50 concurrent uploads from 50 students: each stored
exactly once, none lost, every score right; after the process is stopped, a new server on the same
database and folder still has them all.

lab07's table (nine rows, scored by the largest difference to a reference) keeps the server's
start-up light; student ``i`` moves one public row by ``i/1000`` and one private row by ``2i/1000``,
so every expected score is known.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from common.leaderboard_server.models import Lab, Submission
from common.leaderboard_server.scoring import public_ids
from common.leaderboard_server.service import Leaderboard, utcnow
from common.leaderboard_server.settings import Settings
from lb_helpers import bearer, lab07_reference, server_process, thread_server

N = 50
LAB = "lab07_inflated_densenet"
FILE = "similarities.csv"


def test_fifty_concurrent_uploads_are_stored_once_and_survive_a_restart(tmp_path, data_root):
    reference = lab07_reference(data_root)
    db = tmp_path / "load.db"
    service = Leaderboard(Settings(db_url=f"sqlite:///{db}"))
    students = service.add_users([(f"s{i:02d}", f"Student {i}") for i in range(N)])
    prof = service.add_users([("prof", "Prof")], role="instructor")[0]["token"]
    service.set_lab(LAB, True, utcnow() + timedelta(days=1), 2)
    with service.read() as s:
        salt = s.scalar(select(Lab.split_salt).where(Lab.lab == LAB))
    service.close()
    public = sorted(public_ids(list(reference["pair_id"]), salt, 0.5))
    private = sorted(set(reference["pair_id"]) - set(public))
    bodies = []
    for i in range(N):
        table = reference.copy()
        table.loc[table["pair_id"] == public[0], "cosine_similarity"] += i / 1000
        table.loc[table["pair_id"] == private[0], "cosine_similarity"] -= 2 * i / 1000
        bodies.append(table.to_csv(index=False).encode())
    start = threading.Barrier(N)

    def upload(i: int) -> httpx.Response:
        with httpx.Client(timeout=120) as client:
            start.wait()
            return client.post(f"{url}/api/labs/{LAB}/submissions", files={"file": (FILE, bodies[i])},
                               headers=bearer(students[i]["token"]))

    with server_process(db) as url:
        with ThreadPoolExecutor(N) as pool:
            responses = list(pool.map(upload, range(N)))
    assert [r.status_code for r in responses] == [201] * N, [r.text for r in responses if r.status_code != 201][:3]
    for i, r in enumerate(responses):
        assert abs(r.json()["public_score"] - i / 1000) < 1e-12

    service = Leaderboard(Settings(db_url=f"sqlite:///{db}"))   # a new process's view of the files
    with service.read() as s:
        per_user = s.execute(select(Submission.user_id, func.count()).group_by(Submission.user_id)).all()
        stored = {name for (name,) in s.execute(select(Submission.stored_name))}
    assert len(per_user) == N and all(n == 1 for _, n in per_user)
    assert {p.name for p in service.files.iterdir()} == stored
    with thread_server(service) as url:
        for i in (0, 17, N - 1):
            history = httpx.get(f"{url}/api/me/submissions", headers=bearer(students[i]["token"])).json()
            assert [h["id"] for h in history] == [responses[i].json()["id"]]
        board = httpx.get(f"{url}/api/board").json()[0]["public"]
        assert [b["rank"] for b in board] == list(range(1, N + 1))
        assert all(abs(b["score"] - i / 1000) < 1e-12 for i, b in enumerate(board))
        finals = {f["login"]: f for f in
                  httpx.get(f"{url}/api/admin/finals", headers=bearer(prof)).json()}
        assert all(abs(finals[f"s{i:02d}"]["private_score"] - 2 * i / 1000) < 1e-12 for i in range(N))
        assert all(abs(finals[f"s{i:02d}"]["score"] - 2 * i / 1000) < 1e-12 for i in range(N))
    service.close()
