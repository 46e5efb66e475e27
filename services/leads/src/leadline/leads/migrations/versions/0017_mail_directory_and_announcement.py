"""Mail: an employee's work address (e-mails to it are theirs to triage, theirs are sent from it), and the
announcement of every lead existing now (LeadAnnouncedV1), for consumers that kept less of them than they need
(communications matching e-mails by the lead's current address, and letting its salesperson write from it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
    announcement = op.create_table(
        "lead_announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("after_lead_id", sa.Uuid(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_announcement")),
    )
    op.bulk_insert(announcement, [{"id": 1, "after_lead_id": None, "done_at": None}])


def downgrade() -> None:
    op.drop_table("lead_announcement")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_column("email")
