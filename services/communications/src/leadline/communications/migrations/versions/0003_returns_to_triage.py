"""Calls and e-mails come back to triage: from a lead that was deleted, or from a lead request the leads service
refused or a person cancelled (``returned_*``); the name a request asked for is kept for a retry; a known lead
that was deleted or merged away is kept, marked ``gone``, so nothing is attached to it any more.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETURNED_COLUMNS = ("requested_name", "returned_reason", "returned_from_lead_id", "returned_detail", "returned_at")


def upgrade() -> None:
    for table in ("calls", "emails"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("requested_name", sa.String(length=200), nullable=True))
            batch_op.add_column(sa.Column("returned_reason", sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column("returned_from_lead_id", sa.Uuid(), nullable=True))
            batch_op.add_column(sa.Column("returned_detail", sa.String(length=2000), nullable=True))
            batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
            batch_op.create_index(f"ix_{table}_returned_from_lead_id", ["returned_from_lead_id"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index("ix_calls_lead_id", ["lead_id"], unique=False)
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gone", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.drop_column("gone")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_lead_id")
    for table in ("calls", "emails"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_returned_from_lead_id")
            for column in reversed(RETURNED_COLUMNS):
                batch_op.drop_column(column)
