"""What the leaderboard does, without HTTP: users, labs, uploads, history, boards and grades.

Every failure is a :class:`ServiceError` (a :class:`~common.errors.CourseError`) carrying one
sentence and the HTTP status the web app answers with.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import secrets
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterable

from markupsafe import Markup, escape
from sqlalchemy import and_, case, func, select

from ..errors import CourseError
from ..submissions.leaderboard import neutralise_cell
from ..submissions.reader import format_size
from ..submissions.registry import SUBMISSIONS, labs_with_submissions, spec_for, specs_for
from .db import make_engine, migrate, sessions
from .models import Lab, Submission, User
from .scoring import KeyCache, choose_salt, score_file
from .settings import Settings
from .tokens import hash_token, new_token

__all__ = ["ServiceError", "Leaderboard", "UserInfo", "utcnow", "parse_deadline"]

_CHUNK = 2**16
#: the longest display name.
MAX_NAME = 40


class ServiceError(CourseError):
    """A request the leaderboard refuses: one sentence and an HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (how the database stores times)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def parse_deadline(text: str) -> datetime:
    """A deadline from ISO 8601 text (``2027-01-15T23:59``, ``...Z`` or ``...+01:00``); a time
    without a zone is UTC.

    Raises:
        ServiceError: the text is not an ISO 8601 date and time.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ServiceError(f"{text!r} is not a deadline; write it as ISO 8601, e.g. "
                           f"2027-01-15T23:59Z (UTC).") from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class UserInfo:
    """The signed-in user."""

    id: int
    login: str
    display_name: str
    role: str

    @property
    def is_instructor(self) -> bool:
        return self.role == "instructor"


@dataclass
class LabInfo:
    lab: str
    is_open: bool
    deadline: datetime
    daily_limit: int
    files: list[str]
    metric: str
    higher_is_better: bool
    past_deadline: bool

    @property
    def accepting(self) -> bool:
        return self.is_open and not self.past_deadline


@dataclass
class BoardRow:
    rank: int
    display_name: str
    score: float
    entries: int
    last: datetime | None

    def html(self, private: bool = False) -> str:
        """The row as a table row of the board page, the display name escaped."""
        if private:
            return (f"<tr><td>{self.rank}</td><td>{escape(self.display_name)}</td>"
                    f"<td>{self.score:.4f}</td></tr>")
        last = self.last.strftime("%Y-%m-%d %H:%M UTC") if self.last else ""
        return (f"<tr><td>{self.rank}</td><td>{escape(self.display_name)}</td><td>{self.score:.4f}"
                f"</td><td>{self.entries}</td><td>{last}</td></tr>")


@dataclass
class Board:
    """One lab file's board; :meth:`public_html` and :meth:`private_html` are its rows as
    escaped HTML (built in Python: a board of 500 students renders in milliseconds)."""

    lab: str
    file: str
    metric: str
    higher_is_better: bool
    deadline: datetime
    private_visible: bool
    public: list[BoardRow] = field(default_factory=list)
    private: list[BoardRow] = field(default_factory=list)

    @functools.cached_property
    def _public_html(self) -> Markup:
        return Markup("\n".join(r.html() for r in self.public))

    @functools.cached_property
    def _private_html(self) -> Markup:
        return Markup("\n".join(r.html(private=True) for r in self.private))

    def public_html(self) -> Markup:
        return self._public_html

    def private_html(self) -> Markup:
        return self._private_html


def _problems_text(problems: list[str]) -> str:
    return json.dumps(problems, ensure_ascii=False)


def _safe_upload_name(name: str | None, default: str) -> str:
    """The uploaded file's own name when it is a plain file name, else ``default``."""
    name = Path((name or "").replace("\\", "/")).name.strip()
    if (not name or name in (".", "..") or len(name) > 200
            or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)):
        return default
    return name


def _check_display_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not 3 <= len(name) <= MAX_NAME:
        raise ServiceError(f"A display name holds 3 to {MAX_NAME} characters; choose another.", 400)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in name):
        raise ServiceError("A display name may not hold control or invisible characters; "
                           "choose another.", 400)
    return name


class Leaderboard:
    """The leaderboard's state: a database and a folder of uploaded files.

    Opening it runs the Alembic migrations (``upgrade head``).
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.engine = make_engine(self.settings.resolved_db_url())
        migrate(self.engine)
        self.read, self.write = sessions(self.engine)
        self.files = self.settings.resolved_files_dir()
        self.files.mkdir(parents=True, exist_ok=True)
        for partial in self.files.glob(".partial-*"):      # an upload cut off by a crash
            shutil.rmtree(partial, ignore_errors=True)
        self.keys = KeyCache()
        #: the last board computed, and the state of the database it was computed from.
        self._board_cache: tuple | None = None

    def close(self) -> None:
        self.engine.dispose()

    def warm(self) -> list[str]:
        """Load the answer keys of every open lab and run each scorer once on the key's own
        answers, so that the first upload pays no import or loading time.

        Returns:
            One sentence per lab file that cannot be scored on this server (its key is missing).
        """
        problems = []
        for info in self.labs():
            if not info.is_open:
                continue
            for spec in specs_for(info.lab):
                try:
                    key = self.keys.key(spec)
                    if spec.example is not None:
                        spec.score(spec.example(key, False), key)
                except CourseError as exc:
                    problems.append(f"{info.lab} {spec.filename}: {exc}")
        return problems

    # --- users -------------------------------------------------------------------------------

    def _new_display_name(self, session) -> str:
        while True:
            name = f"participant-{secrets.token_hex(3)}"
            if session.scalar(select(User.id).where(User.display_name == name)) is None:
                return name

    def add_users(self, rows: Iterable[tuple[str, str]], role: str = "student") -> list[dict]:
        """Add users ``(login, real name)``; each new one gets a token (returned once).

        Logins already present are skipped (their tokens are not changed).

        Returns:
            ``{"login", "name", "display_name", "token"}`` per new user, and ``{"login",
            "skipped": True}`` per existing one.
        """
        out = []
        with self.write.begin() as session:
            for login, real_name in rows:
                login = login.strip()
                if not login:
                    raise ServiceError("A roster row has an empty login; give every student one.")
                if session.scalar(select(User.id).where(User.login == login)) is not None:
                    out.append({"login": login, "skipped": True})
                    continue
                token = new_token()
                user = User(login=login, real_name=real_name.strip(), role=role,
                            display_name=self._new_display_name(session),
                            token_hash=hash_token(token), created_at=utcnow())
                session.add(user)
                session.flush()
                out.append({"login": login, "name": user.real_name,
                            "display_name": user.display_name, "token": token})
        return out

    def authenticate(self, token: str | None) -> UserInfo:
        """The user a token belongs to.

        Raises:
            ServiceError: 401 when the token is missing or unknown.
        """
        if not token or not token.strip():
            raise ServiceError("Sign in first: send your token as 'Authorization: Bearer TOKEN' "
                               "or enter it on the home page.", 401)
        with self.read() as session:
            user = session.scalar(select(User).where(User.token_hash == hash_token(token)))
        if user is None:
            raise ServiceError("This token is not known here; check it, or ask the instructor for "
                               "your personal token.", 401)
        return UserInfo(user.id, user.login, user.display_name, user.role)

    def set_display_name(self, user: UserInfo, name: str) -> str:
        """Set a user's public display name (unique, never a real name or login)."""
        name = _check_display_name(name)
        folded = name.casefold()
        with self.write.begin() as session:
            for other in session.execute(select(User.id, User.login, User.real_name,
                                                User.display_name)):
                if other.id != user.id and other.display_name.casefold() == folded:
                    raise ServiceError(f"The display name {name!r} is taken; choose another.", 409)
                if folded in (other.login.casefold(), other.real_name.casefold()):
                    raise ServiceError("A display name may not be a login or a real name (the "
                                       "board is public); choose a pseudonym.", 400)
            session.get(User, user.id).display_name = name
        return name

    # --- labs --------------------------------------------------------------------------------

    def _lab_info(self, lab: Lab, now: datetime) -> LabInfo:
        specs = specs_for(lab.lab)
        return LabInfo(lab.lab, lab.is_open, lab.deadline, lab.daily_limit,
                       [s.filename for s in specs], specs[0].metric, specs[0].higher_is_better,
                       now >= lab.deadline)

    def set_lab(self, lab: str, is_open: bool | None = None, deadline: datetime | None = None,
                daily_limit: int | None = None) -> LabInfo:
        """Create or change a lab: open or close it, set its deadline (UTC) and daily limit.

        Opening a lab for the first time needs its deadline and its answer key (to fix the
        public part of its test split).

        Raises:
            ServiceError: an unknown lab (404), a missing deadline, a limit below 1.
            CourseError: the answer key cannot be loaded.
        """
        if lab not in labs_with_submissions():
            raise ServiceError(f"No submission is declared for {lab!r}; choose one of "
                               f"{', '.join(labs_with_submissions())}.", 404)
        if daily_limit is not None and daily_limit < 1:
            raise ServiceError("The daily limit is a whole number of at least 1.", 400)
        with self.write.begin() as session:
            row = session.scalar(select(Lab).where(Lab.lab == lab))
            if row is None:
                if deadline is None:
                    raise ServiceError(f"{lab} is not on the leaderboard yet; give it a deadline "
                                       f"to open it.", 400)
                fraction = self.settings.public_fraction
                salt = choose_salt(specs_for(lab), self.keys, fraction)
                row = Lab(lab=lab, is_open=bool(is_open if is_open is not None else True),
                          deadline=deadline, daily_limit=daily_limit or 5,
                          public_fraction=fraction, split_salt=salt)
                session.add(row)
            else:
                if is_open is not None:
                    row.is_open = is_open
                if deadline is not None:
                    row.deadline = deadline
                if daily_limit is not None:
                    row.daily_limit = daily_limit
            session.flush()
            return self._lab_info(row, utcnow())

    def labs(self) -> list[LabInfo]:
        """Every lab on the leaderboard, by id."""
        now = utcnow()
        with self.read() as session:
            return [self._lab_info(r, now) for r in session.scalars(select(Lab).order_by(Lab.lab))]

    def _lab(self, session, lab: str) -> Lab:
        row = session.scalar(select(Lab).where(Lab.lab == lab))
        if row is None:
            raise ServiceError(f"The lab {lab!r} is not on the leaderboard; see the labs listed "
                               f"on the home page.", 404)
        return row

    # --- uploads -----------------------------------------------------------------------------

    def _used_today(self, session, user_id: int, lab: str, filename: str, day: str) -> int:
        return session.scalar(select(func.count(Submission.id)).where(
            Submission.user_id == user_id, Submission.lab == lab, Submission.filename == filename,
            Submission.day == day, Submission.status == "scored")) or 0

    def _over_limit(self, lab: Lab, filename: str) -> ServiceError:
        return ServiceError(f"You have used all {lab.daily_limit} submissions of {lab.lab} "
                            f"({filename}) for today; the count starts again at 00:00 UTC.", 429)

    def _save(self, stream: BinaryIO, folder: Path, name: str, limit: int, lab: str) -> tuple[int, str]:
        folder.mkdir(parents=True)
        digest, size = hashlib.sha256(), 0
        with open(folder / name, "xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size <= limit:
                    out.write(chunk)
                    digest.update(chunk)
        if size > limit:
            raise ServiceError(f"The file {name} is {format_size(size)}, more than the "
                               f"{format_size(limit)} a submission of {lab} may hold; write only "
                               f"the declared columns, one row per test id.", 413)
        return size, digest.hexdigest()

    def submit(self, user: UserInfo, lab: str, stream: BinaryIO, upload_name: str | None,
               file: str | None = None) -> dict:
        """Store, validate and score an upload.

        Args:
            user: the uploading student.
            lab: the lab id.
            stream: the file's bytes.
            upload_name: the uploaded file's name (shown back to the student).
            file: which of the lab's submission files this is (default: the upload's name where
                the lab has several, else its only one).

        Returns:
            The stored submission as :meth:`history` lists it (invalid files included: they do
            not count towards the daily limit).

        Raises:
            ServiceError: unknown lab (404), closed lab (403), over the daily limit (429), too
                large (413), not one of the lab's files (400).
        """
        now = utcnow()
        with self.read() as session:
            row = self._lab(session, lab)
            if not row.is_open or now >= row.deadline:
                when = "its deadline has passed" if now >= row.deadline else "the instructor closed it"
                raise ServiceError(f"The lab {lab} accepts no submissions: {when} "
                                   f"({row.deadline:%Y-%m-%d %H:%M} UTC).", 403)
            try:
                several = len(specs_for(lab)) > 1
                spec = spec_for(lab, file or (upload_name if several else None))
            except CourseError as exc:
                raise ServiceError(str(exc), 400) from None
            if self._used_today(session, user.id, lab, spec.filename, now.date().isoformat()) \
                    >= row.daily_limit:
                raise self._over_limit(row, spec.filename)
            salt, fraction = row.split_salt, row.public_fraction
        name = _safe_upload_name(upload_name, spec.filename)
        stored = uuid.uuid4().hex
        partial = self.files / f".partial-{stored}"
        final = self.files / stored
        try:
            size, sha = self._save(stream, partial, name, spec.max_bytes, lab)
            scored = score_file(spec, partial / name, self.keys, salt, fraction)
            day = now.date().isoformat()
            moved = False
            try:
                with self.write.begin() as session:
                    session.scalar(select(User).where(User.id == user.id).with_for_update())
                    lab_row = self._lab(session, lab)
                    if scored.status == "scored" and self._used_today(
                            session, user.id, lab, spec.filename, day) >= lab_row.daily_limit:
                        raise self._over_limit(lab_row, spec.filename)
                    sub = Submission(user_id=user.id, lab=lab, filename=spec.filename,
                                     original_name=(upload_name or name)[:300], created_at=now,
                                     day=day, stored_name=stored, sha256=sha, size=size,
                                     status=scored.status, problems=_problems_text(scored.problems),
                                     public_score=scored.public, private_score=scored.private,
                                     score=scored.score, marked=False)
                    session.add(sub)
                    session.flush()
                    os.replace(partial, final)          # committed just below, with the row
                    moved = True
                    result = self._row(sub, lab_row, now, user.is_instructor)
            except BaseException:
                if moved:
                    shutil.rmtree(final, ignore_errors=True)
                raise
            with self.read() as session:
                result["left_today"] = lab_row.daily_limit - self._used_today(
                    session, user.id, lab, spec.filename, day)
            return result
        finally:
            shutil.rmtree(partial, ignore_errors=True)

    # --- history -----------------------------------------------------------------------------

    def _row(self, sub: Submission, lab: Lab | None, now: datetime, instructor: bool) -> dict:
        visible = instructor or (lab is not None and now >= lab.deadline)
        spec = spec_for(sub.lab, sub.filename)
        return {"id": sub.id, "lab": sub.lab, "file": sub.filename, "name": sub.original_name,
                "submitted_at": sub.created_at.isoformat(timespec="seconds") + "Z",
                "status": sub.status, "problems": json.loads(sub.problems or "[]"),
                "metric": spec.metric, "public_score": sub.public_score,
                "private_score": sub.private_score if visible else None,
                "private_visible": visible, "marked": sub.marked, "size": sub.size}

    def history(self, user: UserInfo, of_user: int | None = None, lab: str | None = None) -> list[dict]:
        """A user's submissions, newest first.

        Raises:
            ServiceError: 403 when a student asks for another user's history; 404 for an
                unknown user.
        """
        target = user.id if of_user is None else of_user
        if target != user.id and not user.is_instructor:
            raise ServiceError("You may see only your own submissions.", 403)
        now = utcnow()
        with self.read() as session:
            if session.get(User, target) is None:
                raise ServiceError(f"There is no user {target} here.", 404)
            labs = {r.lab: r for r in session.scalars(select(Lab))}
            query = select(Submission).where(Submission.user_id == target)
            if lab:
                query = query.where(Submission.lab == lab)
            subs = session.scalars(query.order_by(Submission.id.desc())).all()
            return [self._row(s, labs.get(s.lab), now, user.is_instructor) for s in subs]

    def mark(self, user: UserInfo, submission_id: int) -> dict:
        """Mark one of the user's scored submissions as their final one for its lab file."""
        with self.write.begin() as session:
            sub = session.get(Submission, submission_id)
            if sub is None:
                raise ServiceError(f"There is no submission {submission_id}.", 404)
            if sub.user_id != user.id:
                raise ServiceError("You may mark only your own submissions.", 403)
            if sub.status != "scored":
                raise ServiceError("Only a scored submission can be your final one; upload a "
                                   "valid file first.", 400)
            lab = self._lab(session, sub.lab)
            if utcnow() >= lab.deadline:
                raise ServiceError(f"The deadline of {sub.lab} has passed; the final submission "
                                   f"can no longer change.", 403)
            for other in session.scalars(select(Submission).where(
                    Submission.user_id == user.id, Submission.lab == sub.lab,
                    Submission.filename == sub.filename, Submission.marked.is_(True))):
                other.marked = False
            sub.marked = True
            session.flush()
            return self._row(sub, lab, utcnow(), user.is_instructor)

    # --- boards and grades -------------------------------------------------------------------

    def _scored(self, session, lab: str | list[str] | None = None):
        query = select(Submission.id, Submission.user_id, Submission.lab, Submission.filename,
                       Submission.public_score, Submission.private_score, Submission.score,
                       Submission.marked, Submission.created_at, Submission.original_name).where(
            Submission.status == "scored")
        if isinstance(lab, list):
            query = query.where(Submission.lab.in_(lab))
        elif lab:
            query = query.where(Submission.lab == lab)
        return session.execute(query.order_by(Submission.id)).all()

    @staticmethod
    def _final_rows(session, labs: list[str], higher: dict, brief: bool = False) -> list:
        """Each student's final submission per lab file, by Kaggle's rule: the one they marked,
        else their best public score (the earliest of equals); computed in the database."""
        if not labs:
            return []
        s = Submission
        lower = [and_(s.lab == lab, s.filename == name) for (lab, name), up in higher.items() if not up]
        signed = case(*[(cond, -s.public_score) for cond in lower], else_=s.public_score) \
            if lower else s.public_score
        rank = func.row_number().over(partition_by=(s.user_id, s.lab, s.filename),
                                      order_by=(s.marked.desc(), signed.desc(), s.id.asc()))
        columns = (s.user_id, s.lab, s.filename, s.private_score) if brief else (
            s.id, s.user_id, s.lab, s.filename, s.public_score, s.private_score, s.score, s.marked,
            s.created_at, s.original_name)
        ranked = select(*columns, rank.label("n")).where(s.status == "scored",
                                                         s.lab.in_(labs)).subquery()
        return session.execute(select(ranked).where(ranked.c.n == 1)).all()

    def board(self) -> list[Board]:
        """The public board per lab file: each student's best public score, ranked; after the
        deadline also the private score of each student's final submission."""
        now = utcnow()
        with self.read() as session:
            labs = {r.lab: r for r in session.scalars(select(Lab).order_by(Lab.lab))}
            names = dict(session.execute(select(User.id, User.display_name)).all())
            s = Submission
            changes = session.execute(select(
                func.count(s.id), func.max(s.id),
                func.sum(case((s.marked.is_(True), s.id), else_=0)))).one()
            fingerprint = (tuple(changes), tuple(sorted(names.items())),
                           tuple((r.lab, r.deadline, now >= r.deadline) for r in labs.values()))
            cached = self._board_cache
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            agg = session.execute(
                select(Submission.lab, Submission.filename, Submission.user_id,
                       func.max(Submission.public_score), func.min(Submission.public_score),
                       func.count(Submission.id), func.max(Submission.created_at))
                .where(Submission.status == "scored")
                .group_by(Submission.lab, Submission.filename, Submission.user_id)).all()
            visible = [lab for lab, row in labs.items() if now >= row.deadline]
            higher = {(s.lab, s.filename): s.higher_is_better
                      for lab in labs for s in SUBMISSIONS.get(lab, [])}
            final_rows = self._final_rows(session, visible, higher, brief=True)
        per_file: dict = {}
        for lab, filename, uid, best_high, best_low, n, last in agg:
            if (lab, filename) in higher:
                best = best_high if higher[(lab, filename)] else best_low
                per_file.setdefault((lab, filename), {})[uid] = (best, n, last)
        finals: dict = {}
        for r in final_rows:
            finals.setdefault((r.lab, r.filename), {})[r.user_id] = r.private_score
        boards = []
        for lab, lab_row in labs.items():
            for spec in SUBMISSIONS.get(lab, []):
                b = Board(lab, spec.filename, spec.metric, spec.higher_is_better, lab_row.deadline,
                          now >= lab_row.deadline)
                stats = per_file.get((lab, spec.filename), {})
                b.public = _ranked({u: v[0] for u, v in stats.items()}, names, stats,
                                   spec.higher_is_better)
                if b.private_visible:
                    b.private = _ranked(finals.get((lab, spec.filename), {}), names, stats,
                                        spec.higher_is_better)
                boards.append(b)
        self._board_cache = (fingerprint, boards)
        return boards

    def finals(self, lab: str | None = None) -> list[dict]:
        """Each student's final submission per lab file (instructor only: real names)."""
        with self.read() as session:
            users = {u.id: u for u in session.scalars(select(User).where(User.role == "student"))}
            labs = [r.lab for r in session.scalars(select(Lab).order_by(Lab.lab))]
            labs = [x for x in labs if lab in (None, x)]
            higher = {(s.lab, s.filename): s.higher_is_better
                      for x in labs for s in SUBMISSIONS.get(x, [])}
            finals = {(r.user_id, r.lab, r.filename): (r, "marked" if r.marked else "best public")
                      for r in self._final_rows(session, labs, higher)}
        out = []
        for x in labs:
            for spec in SUBMISSIONS.get(x, []):
                for uid, u in sorted(users.items(), key=lambda item: item[1].login):
                    final = finals.get((uid, x, spec.filename))
                    r, how = final if final else (None, "no scored submission")
                    out.append({"login": u.login, "name": u.real_name, "display_name": u.display_name,
                                "lab": x, "file": spec.filename, "metric": spec.metric,
                                "submission_id": r.id if r else None, "chosen_by": how,
                                "submitted_at": r.created_at.isoformat(timespec="seconds") + "Z" if r else "",
                                "original_name": r.original_name if r else "",
                                "public_score": r.public_score if r else None,
                                "private_score": r.private_score if r else None,
                                "score": r.score if r else None})
        return out

    def export_csv(self, lab: str | None = None) -> str:
        """Final grades as CSV text; every text cell neutralised against formula injection."""
        rows = self.finals(lab)
        columns = ["login", "name", "display_name", "lab", "file", "metric", "submission_id",
                   "chosen_by", "submitted_at", "original_name", "public_score", "private_score",
                   "score"]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if r[c] is None else neutralise_cell(r[c]) for c in columns])
        return out.getvalue()


def _ranked(scores: dict, names: dict, stats: dict, higher_is_better: bool) -> list[BoardRow]:
    """Rows ranked best first (ties share a rank, then go by display name)."""
    sign = -1 if higher_is_better else 1
    order = sorted(scores.items(), key=lambda kv: (sign * kv[1], names.get(kv[0], "")))
    out, rank, previous = [], 0, None
    for i, (uid, score) in enumerate(order, 1):
        if score != previous:
            rank, previous = i, score
        _, n, last = stats.get(uid, (None, 0, None))
        out.append(BoardRow(rank, names.get(uid, "?"), score, n, last))
    return out
