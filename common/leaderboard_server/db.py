"""Engines, sessions and schema migrations.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and a write transaction
starts with ``BEGIN IMMEDIATE``, so concurrent uploads queue for the write lock instead of failing;
PostgreSQL (a department server) locks the uploading student's row instead
(``SELECT ... FOR UPDATE``). The schema is created and upgraded by Alembic (``upgrade head``) each
time the server starts; the migrations live in this package's ``migrations`` folder.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import CourseError

__all__ = ["make_engine", "migrate", "sessions", "MIGRATIONS"]

#: the Alembic script folder (inside the package).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None          # transactions begin below, explicitly
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its folder is created.

    Raises:
        CourseError: the URL is not a database URL SQLAlchemy knows.
    """
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError):
        raise CourseError(f"{url!r} is not a database URL SQLAlchemy knows; write sqlite:///PATH "
                          f"or postgresql://USER@HOST/DB.") from None
    except ModuleNotFoundError as exc:
        raise CourseError(f"The database driver {exc.name} is not installed; install it (for "
                          f"PostgreSQL: pip install 'psycopg[binary]') or use a sqlite:/// URL.") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 60, "check_same_thread": False},
                               pool_size=10, max_overflow=40, pool_timeout=120)
        _sqlite_pragmas(engine)
        return engine
    try:
        return create_engine(parsed, pool_size=10, max_overflow=40, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise CourseError(f"The database driver {exc.name} is not installed; install it (for "
                          f"PostgreSQL: pip install 'psycopg[binary]') or use a sqlite:/// URL.") from None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` with Alembic (``upgrade head`` by default).

    Raises:
        CourseError: the database cannot be reached or upgraded (one sentence).
    """
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        raise CourseError(f"The database {engine.url.render_as_string(hide_password=True)} could "
                          f"not be opened or upgraded ({exc.orig}); check the --db URL and that "
                          f"the folder is writable.") from None


def sessions(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """Session factories for reading and for writing (on SQLite, ``BEGIN IMMEDIATE``)."""
    read = sessionmaker(engine, expire_on_commit=False)
    write = sessionmaker(engine.execution_options(sqlite_immediate=True), expire_on_commit=False)
    return read, write
