"""End to end in headless Chromium (the Debian package, driven by Playwright; never downloaded):
sign in, upload a good and a bad CSV, read the validation message and the public board, and see
the private score hidden before the deadline and shown after it. Chromium missing is a failure,
never a skip (``make browser-tool`` installs it)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from common.leaderboard_server.demo import CHROMIUM, chromium, run_demo
from common.leaderboard_server.service import utcnow
from lb_helpers import bearer, lab07_reference, thread_server

LAB = "lab07_inflated_densenet"


def test_chromium_is_installed():
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing: run `make browser-tool`"


def test_student_signs_in_uploads_and_sees_the_boards(service, users, data_root, tmp_path):
    reference = lab07_reference(data_root)
    service.set_lab(LAB, True, utcnow() + timedelta(days=1), 5)
    good = reference.copy()
    good["cosine_similarity"] -= 0.0123                 # every row off by 0.0123: both parts too
    (tmp_path / "similarities.csv").write_text(good.to_csv(index=False))
    bad = reference.copy()
    bad.loc[2, "cosine_similarity"] = 1.5
    (tmp_path / "mine <v2>.csv").write_text(bad.to_csv(index=False))
    with thread_server(service) as url, chromium() as page:
        page.goto(url + "/")
        page.fill("#token", "wrong token")
        page.click("#signin button")
        assert "not known" in page.inner_text("#error")
        page.goto(url + "/")
        page.fill("#token", users["s1"])
        page.click("#signin button")
        page.wait_for_url(url + "/me")
        page.fill("#display-name-input", "Curie <3")
        page.click("#name-form button")
        assert page.inner_text("#display-name") == "Curie <3"

        form = page.locator(f"#upload-{LAB}")
        form.locator("input[type=file]").set_input_files(str(tmp_path / "mine <v2>.csv"))
        form.locator("button[type=submit]").click()
        problems = page.inner_text("#problems")
        assert "Column cosine_similarity of mine <v2>.csv has value(s) '1.5' outside the range " \
               "[-1, 1] on line(s) 4" in problems

        form = page.locator(f"#upload-{LAB}")
        form.locator("input[type=file]").set_input_files(str(tmp_path / "similarities.csv"))
        form.locator("button[type=submit]").click()
        assert page.inner_text("#public-score") == "0.0123"
        assert "hidden until the deadline" in page.inner_text("#history")

        page.goto(url + "/board")
        board = page.locator("table.public").first.inner_text()
        assert "Curie <3" in board and "0.0123" in board and "Ada Lovelace" not in page.content()
        assert page.locator(".private-hidden").count() == 1 and page.locator("table.private").count() == 0

        past = (utcnow() - timedelta(seconds=1)).isoformat() + "Z"
        r = httpx.put(f"{url}/api/admin/labs/{LAB}", json={"deadline": past}, headers=bearer(users["prof"]))
        assert r.status_code == 200
        page.reload()
        private = page.locator("table.private").inner_text()
        assert "Curie <3" in private and "0.0123" in private
        page.goto(url + "/me")
        assert "hidden until the deadline" not in page.inner_text("#history")
        assert "0.0123" in page.locator("#history td.private").first.inner_text()


def test_demo_writes_the_screenshots(data_root, tmp_path):
    lab07_reference(data_root)
    written = run_demo(tmp_path / "shots", [LAB])
    assert [p.name for p in written] == ["student.png", "board.png", "board_after_deadline.png"]
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    assert sorted(p.name for p in (tmp_path / "shots").iterdir()) == sorted(p.name for p in written)
