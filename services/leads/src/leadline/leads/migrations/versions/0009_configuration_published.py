"""The configuration a database holds is published once, when the service first starts on it: the seeded
defaults (or, on a database older than this release, whatever it holds then) reach the compacted reference
topic like any later change. ``published_at`` says it happened, so replicas do it once between them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("configuration_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("configuration_token", schema=None) as batch_op:
        batch_op.drop_column("published_at")
