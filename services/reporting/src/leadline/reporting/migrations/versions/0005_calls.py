"""Calls as the PBX reported them, for the calls report: direction and disposition per period of their start, and
the missed ones with how and how soon they were returned.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_day", sa.String(length=10), nullable=False),
        sa.Column("started_week", sa.String(length=8), nullable=False),
        sa.Column("started_month", sa.String(length=7), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("missed", sa.Boolean(), nullable=False),
        sa.Column("callback", sa.String(length=20), nullable=True),
        sa.Column("callback_seconds", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_calls")),
    )
    with op.batch_alter_table("report_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_calls_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_calls_started_at"))
    op.drop_table("report_calls")
