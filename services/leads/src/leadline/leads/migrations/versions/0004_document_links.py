"""Links to orders and invoices keep their number, date, status, type and amount as fields beside the
label, so the lead card can show them without parsing text.

Kept independent of any other 0004: it only adds a nullable column to lead_links.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead_links") as batch_op:
        batch_op.add_column(sa.Column("document", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lead_links") as batch_op:
        batch_op.drop_column("document")
