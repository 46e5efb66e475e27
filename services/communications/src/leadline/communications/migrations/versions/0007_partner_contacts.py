"""The partner of each known lead, and the phones and e-mail addresses of partners' contact persons: calls and
e-mails from a contact person match their partner's open leads.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("known_leads", sa.Column("partner_id", sa.Uuid(), nullable=True))
    op.create_index("ix_known_leads_partner_id", "known_leads", ["partner_id"])
    op.create_table(
        "known_partner_contacts",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "kind", "value", name=op.f("pk_known_partner_contacts")),
    )
    op.create_index("ix_known_partner_contacts_kind_value", "known_partner_contacts", ["kind", "value"])


def downgrade() -> None:
    op.drop_index("ix_known_partner_contacts_kind_value", table_name="known_partner_contacts")
    op.drop_table("known_partner_contacts")
    op.drop_index("ix_known_leads_partner_id", table_name="known_leads")
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.drop_column("partner_id")
