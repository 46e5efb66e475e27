"""Links to orders and invoices keep their number, date, status, type and amount as fields beside the
label, so the lead card can show them without parsing text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("lead_links", sa.Column("document", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("lead_links", "document")
