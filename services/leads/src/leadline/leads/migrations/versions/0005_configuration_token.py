"""The configuration token: replaced by every change of statuses, lead types, reference items or
settings, so a process can tell whether its cached copy of them is current.

A later migration that changes those tables must write a new token too (``UPDATE configuration_token
SET token = <a new UUID>``), or processes still running keep their old copy.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    token = op.create_table(
        "configuration_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_configuration_token")),
    )
    op.bulk_insert(token, [{"id": 1, "token": uuid.uuid4()}])


def downgrade() -> None:
    op.drop_table("configuration_token")
