"""The leaderboard's API and pages in-process: scores, refusals with their status and one
sentence, escaping, exports, the final-submission rule and the schema migrations."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from common.digits import digits_answer_key
from common.leaderboard_server.app import COOKIE, create_app
from common.leaderboard_server.db import make_engine, migrate
from common.leaderboard_server.models import Base, Lab, Submission
from common.leaderboard_server.scoring import public_ids
from common.leaderboard_server.service import Leaderboard, utcnow
from common.leaderboard_server.settings import Settings
from common.submissions import spec_for, validate_submission

from lb_helpers import FILE, LAB, bearer, csv_with_wrong, load_corpus, perfect_csv

URL = f"/api/labs/{LAB}/submissions"


@pytest.fixture
def client(service, users, lab01):
    with TestClient(create_app(service.settings, service=service)) as c:
        yield c


def _browser(service, token):
    c = TestClient(create_app(service.settings, service=service))
    c.cookies.set(COOKIE, token)
    return c


def _upload(client, token, content, name=FILE, lab=LAB, form=None):
    return client.post(f"/api/labs/{lab}/submissions", files={"file": (name, content)},
                       data=form or {}, headers=bearer(token))


def _one_sentence(detail: str) -> bool:
    return detail.endswith(".") and not re.search(r"\.\s+[A-Z]", detail) and "Traceback" not in detail


def _salt(service, lab=LAB):
    with service.read() as s:
        return s.scalar(select(Lab.split_salt).where(Lab.lab == lab))


def test_upload_gets_its_public_score_and_the_private_one_stays_hidden(client, service, users):
    r = _upload(client, users["s1"], perfect_csv())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "scored" and body["public_score"] == 1.0
    assert body["private_score"] is None and body["private_visible"] is False
    assert body["left_today"] == 2
    history = client.get("/api/me/submissions", headers=bearer(users["s1"])).json()
    assert [h["id"] for h in history] == [body["id"]] and history[0]["private_score"] is None
    board = client.get("/api/board").json()
    assert board[0]["private"] is None and board[0]["public"][0]["score"] == 1.0
    page = client.get("/board").text
    assert "Ada Lovelace" not in page and "s1" not in re.findall(r"<td>(.*?)</td>", page)


def test_public_and_private_scores_are_the_accuracies_of_the_two_parts(client, service, users):
    key = digits_answer_key()
    ids = [str(i) for i in key["ImageId"]]
    public = public_ids(ids, _salt(service), 0.5)
    private = set(ids) - public
    assert len(public) == round(len(ids) / 2) and not public & private
    wrong = sorted(int(i) for i in public)[:9] + sorted(int(i) for i in private)[:30]
    r = _upload(client, users["s1"], csv_with_wrong(wrong))
    assert r.status_code == 201, r.text
    assert r.json()["public_score"] == pytest.approx(1 - 9 / len(public))
    finals = client.get("/api/admin/finals", headers=bearer(users["prof"])).json()
    mine = next(f for f in finals if f["login"] == "s1")
    assert mine["private_score"] == pytest.approx(1 - 30 / len(private))
    assert mine["score"] == pytest.approx(1 - 39 / len(ids))
    assert mine["chosen_by"] == "best public"


def test_utf8_bom_and_crlf_are_accepted(client, users):
    text = perfect_csv().decode().replace("\n", "\r\n")
    r = _upload(client, users["s1"], ("\ufeff" + text).encode())
    assert r.status_code == 201 and r.json()["public_score"] == 1.0


def test_every_bad_csv_of_the_validator_is_refused_with_its_sentences(client, service, users,
                                                                       tmp_path):
    corpus = load_corpus()
    spec = spec_for(LAB)
    key = spec.load_key()
    ctx = corpus.Ctx(LAB, FILE, spec, key, spec.example(key, False).to_csv(index=False))
    cases = corpus._corpus(ctx, tmp_path / "corpus")
    refused = accepted = 0
    with service.write.begin() as s:
        s.scalar(select(Lab).where(Lab.lab == LAB)).daily_limit = 10_000
    for case, path, expect in cases:
        r = _upload(client, users["s1"], path.read_bytes())
        if case == "oversize":
            assert r.status_code == 413 and "more than the 4.0 MiB" in r.json()["detail"], r.text
            refused += 1
            continue
        want = validate_submission(LAB, path, FILE)
        if expect is corpus.ACCEPT:
            assert r.status_code == 201 and r.json()["public_score"] == 1.0, (case, r.text)
            accepted += 1
        else:
            assert r.status_code == 422, (case, r.text)
            assert r.json()["problems"] == want and any(expect in p for p in want), case
            refused += 1
    assert refused == sum(e is not corpus.ACCEPT for _, _, e in cases) >= 30
    assert accepted == sum(e is corpus.ACCEPT for _, _, e in cases) >= 10


@pytest.mark.parametrize("lab, name, perfect", [
    ("lab02_slice_classification", "predictions.csv", 1.0),
    ("lab03_fusion_strategies", "late.csv", 1.0),
    ("lab04_segmentation", "submission.csv", 1.0),
    ("lab05_cxr_detection", "submission.csv", 1.0),
    ("lab07_inflated_densenet", "similarities.csv", 0.0)])
def test_each_labs_perfect_csv_scores_perfectly_on_both_parts(client, service, users, data_root,
                                                              lab, name, perfect):
    spec07 = spec_for("lab07_inflated_densenet")
    reference = spec07.example(spec07.load_key())
    reference["cosine_similarity"] = 0.5 + 0.05 * np.arange(9)
    reference.to_csv(data_root / "reference.csv", index=False)
    service.set_lab(lab, True, utcnow() + timedelta(days=1), 2)
    spec = spec_for(lab, name)
    key = spec.load_key()
    body = spec.example(key, False).to_csv(index=False).encode()
    r = _upload(client, users["s1"], body, name=name, lab=lab)
    assert r.status_code == 201, r.text
    finals = client.get(f"/api/admin/finals?lab={lab}", headers=bearer(users["prof"])).json()
    mine = next(f for f in finals if f["login"] == "s1" and f["file"] == name)
    assert (mine["public_score"], mine["private_score"], mine["score"]) == (perfect, perfect, perfect)
    if lab == "lab03_fusion_strategies":
        r = _upload(client, users["s1"], body, name="mine.csv", lab=lab)
        assert r.status_code == 400 and "is not a submission of" in r.json()["detail"]
        r = _upload(client, users["s1"], body, name="mine.csv", lab=lab, form={"name": "early.csv"})
        assert r.status_code == 201 and r.json()["file"] == "early.csv"


def test_refusals_have_their_status_and_one_sentence(client, service, users):
    cases = []
    r = client.post(URL, files={"file": (FILE, perfect_csv())})
    cases.append((r, 401, "Sign in first"))
    r = _upload(client, "not-a-token", perfect_csv())
    cases.append((r, 401, "not known"))
    s2 = client.get("/api/me/submissions", headers=bearer(users["s2"])).json()
    assert s2 == []
    me = _upload(client, users["s1"], perfect_csv()).json()
    with service.read() as s:
        s1_id = s.scalar(select(Submission.user_id).where(Submission.id == me["id"]))
    r = client.get(f"/api/users/{s1_id}/submissions", headers=bearer(users["s2"]))
    cases.append((r, 403, "only your own"))
    r = client.post(f"/api/submissions/{me['id']}/final", headers=bearer(users["s2"]))
    cases.append((r, 403, "only your own"))
    r = client.get("/api/admin/finals", headers=bearer(users["s1"]))
    cases.append((r, 403, "Only the instructor"))
    r = _upload(client, users["s1"], perfect_csv(), lab="lab09_nothing")
    cases.append((r, 404, "not on the leaderboard"))
    r = client.post(URL, headers=bearer(users["s1"]), data={"x": "1"})
    cases.append((r, 400, "No file was sent"))
    r = client.put(f"/api/admin/labs/{LAB}", json={"open": False}, headers=bearer(users["prof"]))
    assert r.status_code == 200 and r.json()["open"] is False
    r = _upload(client, users["s1"], perfect_csv())
    cases.append((r, 403, "the instructor closed it"))
    past = (utcnow() - timedelta(minutes=1)).isoformat() + "Z"
    client.put(f"/api/admin/labs/{LAB}", json={"open": True, "deadline": past},
               headers=bearer(users["prof"]))
    r = _upload(client, users["s1"], perfect_csv())
    cases.append((r, 403, "deadline has passed"))
    r = client.put(f"/api/admin/labs/{LAB}", json={"deadline": "next friday"},
                   headers=bearer(users["prof"]))
    cases.append((r, 400, "is not a deadline"))
    for r, status, words in cases:
        assert r.status_code == status, (status, r.text)
        detail = r.json()["detail"]
        assert words in detail and _one_sentence(detail), detail
    assert client.get(f"/api/users/{s1_id}/submissions", headers=bearer(users["prof"])).json()[0]["id"] == me["id"]


def test_the_daily_limit_counts_scored_files_only(client, users):
    bad = b"ImageId,Label\n1,3.0\n"
    for left in (2, 1):
        assert _upload(client, users["s1"], bad).status_code == 422
        r = _upload(client, users["s1"], perfect_csv())
        assert r.status_code == 201 and r.json()["left_today"] == left
    assert _upload(client, users["s1"], perfect_csv()).json()["left_today"] == 0
    for content in (perfect_csv(), bad):
        r = _upload(client, users["s1"], content)
        assert r.status_code == 429 and "used all 3 submissions" in r.json()["detail"]
        assert _one_sentence(r.json()["detail"])
    assert _upload(client, users["s2"], perfect_csv()).status_code == 201   # per student


def test_upload_size_limits(service, users, lab01, tmp_path):
    with TestClient(create_app(service.settings, service=service)) as c:
        big = perfect_csv() + b"1,1\n" * (2**20 + 10)          # over lab01's 4 MiB
        r = _upload(c, users["s1"], big)
        assert r.status_code == 413 and "more than the 4.0 MiB a submission of lab01" in r.json()["detail"]
    small = Settings(db_url=service.settings.db_url, files_dir=service.files, max_upload_bytes=10_000)
    with TestClient(create_app(small, service=service)) as c:
        r = _upload(c, users["s1"], perfect_csv() * 10)
        assert r.status_code == 413 and "larger than the" in r.json()["detail"]

        def chunks():                                            # no Content-Length: counted
            for _ in range(20):
                yield b"x" * 1000
        r = c.post(URL, content=chunks(), headers={**bearer(users["s1"]),
                                                   "Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413 and "larger than the" in r.json()["detail"]
    assert not list(service.files.glob(".partial-*")) and not any(service.files.iterdir())


def test_pages_escape_display_names_file_names_and_problems(service, users, lab01):
    evil = "<script>alert(1)</script>"
    c = _browser(service, users["s1"])
    r = c.post("/me/name", data={"display_name": evil}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/me/labs/{LAB}/submit",
               files={"file": ("<img src=x onerror=alert(2)>.csv", b"ImageId,Label\n1,<b>7</b>\n")})
    assert r.status_code == 422
    assert "&lt;img src=x onerror=alert(2)&gt;.csv" in r.text and "&lt;b&gt;7&lt;/b&gt;" in r.text
    c.post(f"/me/labs/{LAB}/submit", files={"file": ("<i>ok</i>.csv", perfect_csv())})
    pages = [c.get("/me").text, c.get("/board").text, _browser(service, users["prof"]).get("/admin").text]
    for page in pages:
        assert "<script>alert" not in page and "<img src" not in page and "<i>ok" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_signing_in_sets_a_strict_http_only_cookie_and_a_wrong_token_is_refused(service, users, lab01):
    c = TestClient(create_app(service.settings, service=service))
    r = c.post("/signin", data={"token": users["s1"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    r = TestClient(create_app(service.settings, service=service)).post("/signin", data={"token": "x"})
    assert r.status_code == 401 and "not known" in r.text and 'id="error"' in r.text
    assert TestClient(create_app(service.settings, service=service)).get("/me").status_code == 401


def test_display_names_are_unique_and_never_a_real_name(client, users):
    def name(token, value):
        return client.put("/api/me/name", json={"display_name": value}, headers=bearer(token))
    assert name(users["s1"], "  Deep   Thought ").json() == {"display_name": "Deep Thought"}
    assert name(users["s2"], "deep thought").status_code == 409
    assert name(users["s2"], "Ada Lovelace").status_code == 400
    assert name(users["s2"], "ab").status_code == 400
    assert name(users["s2"], "bad\u202ename").status_code == 400


def test_final_submission_by_kaggles_rule(client, service, users):
    ids = [str(i) for i in digits_answer_key()["ImageId"]]
    public = sorted(int(i) for i in public_ids(ids, _salt(service), 0.5))
    worse = _upload(client, users["s1"], csv_with_wrong(public[:20])).json()
    better = _upload(client, users["s1"], csv_with_wrong(public[:5])).json()
    prof = bearer(users["prof"])

    def final():
        return next(f for f in client.get("/api/admin/finals", headers=prof).json() if f["login"] == "s1")
    assert (final()["submission_id"], final()["chosen_by"]) == (better["id"], "best public")
    r = client.post(f"/api/submissions/{worse['id']}/final", headers=bearer(users["s1"]))
    assert r.status_code == 200 and r.json()["marked"]
    assert (final()["submission_id"], final()["chosen_by"]) == (worse["id"], "marked")
    past = (utcnow() - timedelta(seconds=1)).isoformat() + "Z"
    client.put(f"/api/admin/labs/{LAB}", json={"deadline": past}, headers=prof)
    r = client.post(f"/api/submissions/{better['id']}/final", headers=bearer(users["s1"]))
    assert r.status_code == 403 and "can no longer change" in r.json()["detail"]
    board = client.get("/api/board").json()[0]
    assert board["private_visible"] and board["private"][0]["score"] == final()["private_score"]
    assert board["public"][0]["score"] == better["public_score"]
    history = client.get("/api/me/submissions", headers=bearer(users["s1"])).json()
    assert all(h["private_score"] is not None for h in history)


def test_export_neutralises_formulas_in_every_text_cell(client, service, users, tmp_path):
    added = service.add_users([("=cmd|' /C calc'!A0", "@SUM(1+1)"), ("-2+3", "+danger")])
    for a, display in zip(added, ["=HYPERLINK(\"x\")", "+plus name"]):
        client.put("/api/me/name", json={"display_name": display}, headers=bearer(a["token"]))
        _upload(client, a["token"], perfect_csv(), name="-evil.csv")
    r = client.get("/api/admin/export.csv", headers=bearer(users["prof"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4
    for row in rows:
        for column, value in row.items():
            if column.endswith("score") or column == "submission_id":
                assert value == "" or math.isfinite(float(value))
            else:
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (column, value)
    evil = next(r for r in rows if r["name"] == "'@SUM(1+1)")
    assert evil["login"] == "'=cmd|' /C calc'!A0" and evil["display_name"] == "'=HYPERLINK(\"x\")"
    assert evil["original_name"] == "'-evil.csv" and evil["public_score"] == "1.0"


def test_migrations_build_the_models_tables_and_run_again_as_a_no_op(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(engine)
    migrate(engine)
    found = inspect(engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in found.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0001"
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
    engine.dispose()


def test_an_upload_cut_off_by_a_crash_is_removed_at_start_and_nothing_else(tmp_path, data_root):
    files = tmp_path / "files"
    (files / ".partial-0123abcd").mkdir(parents=True)
    (files / ".partial-0123abcd" / FILE).write_bytes(b"ImageId,La")
    (files / "notes.txt").write_text("the instructor's own file")
    service = Leaderboard(Settings(db_url=f"sqlite:///{tmp_path / 'x.db'}"))
    try:
        assert service.files == files
        assert sorted(p.name for p in files.iterdir()) == ["notes.txt"]
    finally:
        service.close()
