"""Telephony: a call's lifecycle as the PBX reports it (answered, ended, recorded), the customer's number it is
matched by (``contact_number``: the caller's inbound, the called one outbound), missed calls waiting for a call back,
what came before a call was known (``early_call_events``), the sales team directory (``employees``: whose extension
is whose) and each known lead's salesperson.

Calls stored before this were all matched by the caller's number, which stays their contact number.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIFECYCLE_COLUMNS = (
    ("phase", sa.String(length=10)),
    ("answered_by", sa.String(length=20)),
    ("answered_at", sa.DateTime(timezone=True)),
    ("ended_at", sa.DateTime(timezone=True)),
    ("duration_seconds", sa.Integer()),
    ("disposition", sa.String(length=20)),
    ("recording_url", sa.String(length=2000)),
    ("recording_id", sa.String(length=200)),
    ("callback_state", sa.String(length=20)),
    ("callback_at", sa.DateTime(timezone=True)),
    ("callback_by", sa.String(length=100)),
    ("callback_call_id", sa.Uuid()),
)


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_number", sa.String(length=50), nullable=True))
        for name, type_ in LIFECYCLE_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
    op.execute("UPDATE calls SET contact_number = caller_number")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.alter_column("contact_number", existing_type=sa.String(length=50), nullable=False)
        batch_op.drop_index("ix_calls_caller_number_state")
        batch_op.create_index("ix_calls_contact_number_state", ["contact_number", "state"], unique=False)
        batch_op.create_index("ix_calls_callback_state_received_at", ["callback_state", "received_at"], unique=False)
        batch_op.create_index(
            "ix_calls_contact_number_callback_state", ["contact_number", "callback_state"], unique=False
        )
    op.create_table(
        "early_call_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("pbx_call_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_call_events")),
    )
    with op.batch_alter_table("early_call_events", schema=None) as batch_op:
        batch_op.create_index("ix_early_call_events_pbx_call_id", ["pbx_call_id"], unique=False)
    op.create_table(
        "employees",
        sa.Column("employee_id", sa.String(length=100), nullable=False),
        sa.Column("extension", sa.String(length=20), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_employees")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index("ix_employees_extension", ["extension"], unique=False)
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("salesperson_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.drop_column("salesperson_id")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index("ix_employees_extension")
    op.drop_table("employees")
    with op.batch_alter_table("early_call_events", schema=None) as batch_op:
        batch_op.drop_index("ix_early_call_events_pbx_call_id")
    op.drop_table("early_call_events")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index("ix_calls_contact_number_callback_state")
        batch_op.drop_index("ix_calls_callback_state_received_at")
        batch_op.drop_index("ix_calls_contact_number_state")
        batch_op.create_index("ix_calls_caller_number_state", ["caller_number", "state"], unique=False)
        for name, _ in reversed(LIFECYCLE_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("contact_number")
