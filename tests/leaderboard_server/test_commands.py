"""``dlmia leaderboard`` commands: tokens written once and stored hashed, labs opened and closed,
final grades exported to a new file, one sentence for every refusal; the package ships its
templates and migrations."""

from __future__ import annotations

import csv
import fnmatch
import tomllib
from pathlib import Path

from common.cli import main
from common.leaderboard_server.service import Leaderboard
from common.leaderboard_server.settings import Settings
from lb_helpers import LAB, ROOT


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(["leaderboard", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_students_writes_tokens_once_and_stores_only_their_hashes(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'lb.db'}"
    roster = tmp_path / "roster.csv"
    roster.write_bytes("\ufefflogin,name\r\nu1,Ada Lovelace\r\nu2,Émile Borel\r\n".encode())
    code, out, _ = _run(capsys, "add-students", str(roster), "--tokens", str(tmp_path / "t.csv"), "--db", db)
    assert code == 0 and "added 2 student(s)" in out
    rows = list(csv.DictReader(open(tmp_path / "t.csv", encoding="utf-8")))
    assert [r["login"] for r in rows] == ["u1", "u2"] and rows[1]["name"] == "Émile Borel"
    raw = (tmp_path / "lb.db").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("lb.db-*"))
    assert all(r["token"].encode() not in raw for r in rows)
    service = Leaderboard(Settings(db_url=db))
    assert service.authenticate(rows[0]["token"]).login == "u1"
    service.close()
    before = (tmp_path / "t.csv").read_bytes()
    code, _, err = _run(capsys, "add-students", str(roster), "--tokens", str(tmp_path / "t.csv"), "--db", db)
    assert code == 1 and "exists already" in err and (tmp_path / "t.csv").read_bytes() == before
    code, out, _ = _run(capsys, "add-students", str(roster), "--tokens", str(tmp_path / "t2.csv"), "--db", db)
    assert code == 0 and "added 0 student(s), 2 already present" in out


def test_roster_problems_are_one_sentence(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'lb.db'}"
    for text, words in [("name\nAda\n", "has no login column"),
                        ("login,name\nu1,A\nu1,B\n", "repeats the login 'u1'"),
                        ("login;name\nu1;A\n", "separated by semicolons")]:
        roster = tmp_path / "roster.csv"
        roster.write_text(text)
        code, _, err = _run(capsys, "add-students", str(roster), "--tokens", str(tmp_path / "t.csv"), "--db", db)
        assert code == 1 and words in err and err.count("\n") == 1, err
    assert not (tmp_path / "t.csv").exists()


def test_open_close_export_and_a_bad_database_url(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'lb.db'}"
    code, out, _ = _run(capsys, "open-lab", LAB, "--deadline", "2031-01-15T23:59+01:00", "--daily-limit", "4", "--db", db)
    assert code == 0 and "open until 2031-01-15 22:59 UTC, 4 submission(s)" in out
    code, out, _ = _run(capsys, "close-lab", LAB, "--db", db)
    assert code == 0 and "closed" in out
    code, _, err = _run(capsys, "open-lab", "lab42_nothing", "--deadline", "2031-01-01", "--db", db)
    assert code == 1 and "No submission is declared for 'lab42_nothing'" in err
    code, _, err = _run(capsys, "open-lab", LAB, "--deadline", "soon", "--db", db)
    assert code == 1 and "is not a deadline" in err
    code, out, _ = _run(capsys, "add-instructor", "prof", "--db", db)
    assert code == 0 and len(out.strip()) == 43
    code, _, _ = _run(capsys, "export", "--out", str(tmp_path / "grades.csv"), "--db", db)
    assert code == 0 and (tmp_path / "grades.csv").read_text().startswith("login,name,display_name")
    code, _, err = _run(capsys, "export", "--out", str(tmp_path / "grades.csv"), "--db", db)
    assert code == 1 and "exists already" in err
    code, _, err = _run(capsys, "export", "--out", str(tmp_path / "g2.csv"), "--db", "nonsense://")
    assert code == 1 and "Traceback" not in err and err.startswith("error: ")


def test_the_package_ships_its_templates_and_migrations():
    """Templates and Alembic scripts are not Python packages: pyproject.toml lists them."""
    package = ROOT / "common" / "leaderboard_server"
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["common.leaderboard_server"]
    needed = [p.relative_to(package).as_posix() for p in package.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts
              and (p.suffix != ".py" or not (p.parent / "__init__.py").exists())]
    assert any(n.startswith("templates/") for n in needed) and "migrations/env.py" in needed
    missing = [n for n in needed if not any(fnmatch.fnmatch(n, pat) for pat in patterns)]
    assert not missing, f"add these to [tool.setuptools.package-data]: {missing}"
    assert all(Path(package, n).stat().st_size > 0 for n in needed)
