"""The other phones and e-mail addresses a known lead is known by: those of the leads merged into it, so calls and
e-mails from them still match it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_lead_contacts",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "kind", "value", name=op.f("pk_known_lead_contacts")),
    )
    with op.batch_alter_table("known_lead_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_known_lead_contacts_kind_value", ["kind", "value"], unique=False)


def downgrade() -> None:
    op.drop_table("known_lead_contacts")
