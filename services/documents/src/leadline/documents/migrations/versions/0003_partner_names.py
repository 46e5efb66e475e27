"""Partner names, kept from the leads service's partner topic, so a document is addressed to its buyer
by name (as it was when the document was made).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partners")),
    )
    op.add_column("documents", sa.Column("partner_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "partner_name")
    op.drop_table("partners")
