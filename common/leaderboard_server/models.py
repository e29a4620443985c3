"""The leaderboard's tables: users (students and instructors), labs, submissions.

Migrations in ``migrations/versions`` create exactly these tables; a test compares them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Base", "User", "Lab", "Submission", "ROLES", "STATUSES"]

#: a user's role.
ROLES = ("student", "instructor")
#: a submission's status: scored, invalid (the validator's problems), not scored (a course
#: problem: a missing answer key, a scorer failure).
STATUSES = ("scored", "invalid", "not scored")


class Base(DeclarativeBase):
    pass


class User(Base):
    """A student or an instructor; only the token's SHA-256 is stored."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    real_name: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="student")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Lab(Base):
    """A lab on the leaderboard: open or closed, its deadline (UTC), its daily limit and the salt
    that fixes its public part."""

    __tablename__ = "labs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lab: Mapped[str] = mapped_column(String(100), unique=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    daily_limit: Mapped[int] = mapped_column(Integer, default=5)
    public_fraction: Mapped[float] = mapped_column(Float, default=0.5)
    split_salt: Mapped[str] = mapped_column(String(64))


class Submission(Base):
    """One upload: who, which lab file, when, the stored file, and its scores or problems."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_user_lab_day", "user_id", "lab", "filename", "day"),
        Index("ix_submissions_lab_status", "lab", "status"),
        UniqueConstraint("stored_name", name="uq_submissions_stored_name"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lab: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    day: Mapped[str] = mapped_column(String(10))
    stored_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    problems: Mapped[str] = mapped_column(Text, default="")
    public_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    private_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    marked: Mapped[bool] = mapped_column(Boolean, default=False)
