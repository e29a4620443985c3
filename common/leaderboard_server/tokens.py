"""Personal tokens: 256 random bits, shown once, stored as their SHA-256.

A token is long and random, so a fast hash is enough to keep a stolen database from revealing
tokens (no dictionary of likely tokens exists); lookups are by that hash.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "hash_token"]


def new_token() -> str:
    """A new personal token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of ``token``: its SHA-256 in hex."""
    return hashlib.sha256(token.strip().encode("utf-8", "surrogatepass")).hexdigest()
