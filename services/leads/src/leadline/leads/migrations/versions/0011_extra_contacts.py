"""A lead keeps the phone and e-mail address of the leads merged into it, as extra contact points: calls and
e-mails from them still find it, and so does the search for likely duplicates.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_contacts",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("from_lead_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_lead_contacts_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("lead_id", "kind", "value", name=op.f("pk_lead_contacts")),
    )
    with op.batch_alter_table("lead_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_lead_contacts_kind_value", ["kind", "value"], unique=False)


def downgrade() -> None:
    op.drop_table("lead_contacts")
