"""Alembic's environment: migrations run on the connection the server hands over."""

from alembic import context

from common.leaderboard_server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:                   # pragma: no cover - the server always passes one
    raise RuntimeError("run the leaderboard's migrations through common.leaderboard_server.db.migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
