"""The first schema: users, labs, submissions.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(100), nullable=False, unique=True),
        sa.Column("real_name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(60), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "labs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lab", sa.String(100), nullable=False, unique=True),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("deadline", sa.DateTime, nullable=False),
        sa.Column("daily_limit", sa.Integer, nullable=False),
        sa.Column("public_fraction", sa.Float, nullable=False),
        sa.Column("split_salt", sa.String(64), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("lab", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("original_name", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("stored_name", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        sa.Column("public_score", sa.Float, nullable=True),
        sa.Column("private_score", sa.Float, nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("marked", sa.Boolean, nullable=False),
        sa.UniqueConstraint("stored_name", name="uq_submissions_stored_name"),
    )
    op.create_index("ix_submissions_user_lab_day", "submissions", ["user_id", "lab", "filename", "day"])
    op.create_index("ix_submissions_lab_status", "submissions", ["lab", "status"])


def downgrade() -> None:
    op.drop_table("submissions")
    op.drop_table("labs")
    op.drop_table("users")
