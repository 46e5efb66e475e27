"""The history entries a merged lead brought to its survivor are found by that lead's id: a lead asked for again
(a retried request) is not created a second time if it was once created and merged away.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead_history", schema=None) as batch_op:
        batch_op.create_index("ix_lead_history_merged_from_lead_id", ["merged_from_lead_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead_history", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_history_merged_from_lead_id")
