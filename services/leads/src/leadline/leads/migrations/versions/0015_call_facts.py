"""The lead card shows each call's direction, how far it got, its duration and its recording: what communications'
call events say of every call, kept by call id (``call_facts``), whether or not the call is linked yet.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_facts",
        sa.Column("call_id", sa.String(length=100), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_call_facts")),
    )


def downgrade() -> None:
    op.drop_table("call_facts")
