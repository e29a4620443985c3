"""Where the leaderboard keeps its state: a database URL and a folder for uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..paths import data_root

__all__ = ["Settings", "default_home"]


def default_home() -> Path:
    """The server's default folder, ``<data root>/leaderboard`` (beside the answer keys)."""
    return data_root() / "leaderboard"


@dataclass(frozen=True)
class Settings:
    """The server's configuration.

    Args:
        db_url: a SQLAlchemy URL; default: SQLite in ``<home>/leaderboard.db``.
        files_dir: where uploaded CSVs are kept; default ``<home>/files``.
        public_fraction: the share of each test split scored publicly (Kaggle's public part).
        max_upload_bytes: no request body may be larger (each submission also has its own,
            smaller or equal, limit: :attr:`common.submissions.SubmissionSpec.max_bytes`).
    """

    db_url: str | None = None
    files_dir: Path | None = None
    public_fraction: float = 0.5
    max_upload_bytes: int = 40 * 2**20

    def resolved_db_url(self) -> str:
        """The database URL, the SQLite default filled in."""
        if self.db_url:
            return self.db_url
        return f"sqlite:///{default_home() / 'leaderboard.db'}"

    def resolved_files_dir(self) -> Path:
        """The folder of uploaded files, the default filled in."""
        if self.files_dir is not None:
            return Path(self.files_dir)
        url = self.resolved_db_url()
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url[len("sqlite:///"):]).parent / "files"
        return default_home() / "files"
