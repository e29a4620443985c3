"""``dlmia leaderboard``: serve the leaderboard, add students and instructors, open and close labs,
export final grades, run the demonstration and the benchmark.

Only argparse is imported here; the web stack loads when a command runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from pathlib import Path

from ..errors import CourseError

__all__ = ["add_parser", "read_roster", "write_new_file"]


def _settings(args):
    from .settings import Settings

    return Settings(db_url=args.db, files_dir=Path(args.files) if getattr(args, "files", None) else None)


def _open(args):
    from .service import Leaderboard

    return Leaderboard(_settings(args))


def write_new_file(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path``, whole or not at all; an existing file is never
    replaced.

    Raises:
        CourseError: ``path`` exists or cannot be written.
    """
    path = Path(path)
    if path.exists():
        raise CourseError(f"{path} exists already; name a new file (it is never overwritten).")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "x", encoding="utf-8", newline="") as f:
            f.write(text)
        os.link(partial, path)                 # fails, rather than replaces, if path appeared
    except FileExistsError:
        raise CourseError(f"{path} exists already; name a new file (it is never overwritten).") from None
    except OSError as exc:
        raise CourseError(f"{path} could not be written ({exc.strerror or exc}); choose a folder "
                          f"you can write to.") from None
    finally:
        partial.unlink(missing_ok=True)


def read_roster(path: Path) -> list[tuple[str, str]]:
    """``(login, real name)`` per row of a roster CSV with columns ``login`` (or ``student_id``)
    and, optionally, ``name``; read the one strict way submissions are read.

    Raises:
        CourseError: the file cannot be read or lacks a login column, or a login repeats.
    """
    from ..submissions.reader import ReadLimits, read_csv_table

    table = read_csv_table(path, ReadLimits(max_bytes=16 * 2**20, max_rows=200_000, max_cell=1000))
    header = [h.lower() for h in table.header]
    login = next((header.index(c) for c in ("login", "student_id", "id") if c in header), None)
    if login is None:
        raise CourseError(f"The roster {Path(path).name} has no login column; its header needs "
                          f"'login' (or 'student_id') and, optionally, 'name'.")
    name = header.index("name") if "name" in header else None
    rows, seen = [], set()
    for cells, line in zip(table.rows, table.lines):
        if not cells[login]:
            raise CourseError(f"Line {line} of the roster {Path(path).name} has an empty login; "
                              f"give every student one.")
        if cells[login] in seen:
            raise CourseError(f"Line {line} of the roster {Path(path).name} repeats the login "
                              f"{cells[login]!r}; keep one row per student.")
        seen.add(cells[login])
        rows.append((cells[login], cells[name] if name is not None else ""))
    return rows


def _serve(args) -> int:
    import uvicorn

    from .app import create_app

    service = _open(args)
    for problem in service.warm():
        print(f"warning: {problem}", file=sys.stderr)
    print(f"leaderboard on http://{args.host}:{args.port} (database "
          f"{service.engine.url.render_as_string(hide_password=True)}, files {service.files})",
          flush=True)
    try:
        uvicorn.run(create_app(service.settings, service=service), host=args.host, port=args.port,
                    log_level=args.log_level, timeout_graceful_shutdown=10)
    finally:
        service.close()
    return 0


def _add_students(args) -> int:
    rows = read_roster(Path(args.roster))
    out = Path(args.tokens)
    if out.exists():
        raise CourseError(f"{out} exists already; name a new file for the tokens (it is never "
                          f"overwritten).")
    service = _open(args)
    try:
        added = service.add_users(rows, role="student")
    finally:
        service.close()
    new = [a for a in added if not a.get("skipped")]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["login", "name", "display_name", "token"])
    for a in new:
        writer.writerow([a["login"], a["name"], a["display_name"], a["token"]])
    write_new_file(out, text.getvalue())
    skipped = len(added) - len(new)
    print(f"added {len(new)} student(s), {skipped} already present (their tokens unchanged); "
          f"tokens written to {out} (only their hashes are stored: hand each student theirs)")
    return 0


def _add_instructor(args) -> int:
    service = _open(args)
    try:
        added = service.add_users([(args.login, args.name or args.login)], role="instructor")
    finally:
        service.close()
    if added[0].get("skipped"):
        raise CourseError(f"{args.login} exists already; choose another login.")
    print(added[0]["token"])
    return 0


def _open_lab(args) -> int:
    from .service import parse_deadline

    service = _open(args)
    try:
        info = service.set_lab(args.lab, True, parse_deadline(args.deadline) if args.deadline else None,
                               args.daily_limit)
    finally:
        service.close()
    print(f"{info.lab} open until {info.deadline:%Y-%m-%d %H:%M} UTC, {info.daily_limit} "
          f"submission(s) per file per day")
    return 0


def _close_lab(args) -> int:
    service = _open(args)
    try:
        info = service.set_lab(args.lab, False)
    finally:
        service.close()
    print(f"{info.lab} closed")
    return 0


def _export(args) -> int:
    service = _open(args)
    try:
        text = service.export_csv(args.lab)
    finally:
        service.close()
    write_new_file(Path(args.out), text)
    print(f"wrote {args.out}")
    return 0


def _demo(args) -> int:
    from .demo import run_demo

    for path in run_demo(Path(args.out), args.labs or None):
        print(f"wrote {path}")
    return 0


def _bench(args) -> int:
    from .bench import run_bench

    run_bench(students=args.students, labs=args.labs, uploads=args.uploads)
    return 0


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of at least 1, not {text!r}")
    return int(text)


def add_parser(sub) -> argparse.ArgumentParser:
    """Add ``dlmia leaderboard`` and its commands to the ``dlmia`` sub-parsers ``sub``."""
    lb = sub.add_parser("leaderboard", help="the live leaderboard server for submission CSVs")
    lsub = lb.add_subparsers(dest="leaderboard_command", required=True)

    def command(name: str, help_text: str, func, db: bool = True):
        cmd = lsub.add_parser(name, help=help_text)
        if db:
            cmd.add_argument("--db", default=None, help="database URL (default: SQLite in "
                             "$DLMIA_DATA/leaderboard/leaderboard.db; postgresql://... on a server)")
            cmd.add_argument("--files", default=None, help="folder of uploaded files (default: "
                             "beside the SQLite file, or $DLMIA_DATA/leaderboard/files)")
        cmd.set_defaults(func=func)
        return cmd

    s = command("serve", "run the web server (migrates the database first)", _serve)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    a = command("add-students", "add the students of a roster CSV (login,name) and write their "
                "tokens to a new file", _add_students)
    a.add_argument("roster", help="CSV with a login (or student_id) column and a name column")
    a.add_argument("--tokens", default="tokens.csv", help="new CSV file for the tokens (default "
                   "tokens.csv; never overwritten)")
    i = command("add-instructor", "add an instructor and print their token", _add_instructor)
    i.add_argument("login")
    i.add_argument("--name", default=None)
    o = command("open-lab", "open a lab for submissions until its deadline", _open_lab)
    o.add_argument("lab")
    o.add_argument("--deadline", default=None, help="ISO 8601, UTC unless a zone is given "
                   "(2027-01-15T23:59Z); needed the first time")
    o.add_argument("--daily-limit", type=_positive, default=None,
                   help="scored submissions per student, file and UTC day (default 5)")
    c = command("close-lab", "stop accepting submissions for a lab", _close_lab)
    c.add_argument("lab")
    e = command("export", "write final grades (Kaggle's rule) to a new CSV file", _export)
    e.add_argument("--lab", default=None, help="one lab (default: all)")
    e.add_argument("--out", required=True, help="new CSV file")
    d = command("demo", "run a server on a temporary database with phantom keys, submit fake "
                "students' CSVs and save screenshots", _demo, db=False)
    d.add_argument("--out", required=True, help="folder for the screenshots")
    d.add_argument("labs", nargs="*", help="labs to show (default: every lab whose key is built)")
    b = command("bench", "print the time of scoring each lab's reference CSV, of the board page "
                "for many students, and of concurrent uploads", _bench, db=False)
    b.add_argument("--students", type=_positive, default=500)
    b.add_argument("--labs", type=_positive, default=7, help="lab files on the board (default 7)")
    b.add_argument("--uploads", type=_positive, default=50, help="concurrent uploads (default 50)")
    return lb


if __name__ == "__main__":    # pragma: no cover
    sys.exit("run it as: dlmia leaderboard ...")
