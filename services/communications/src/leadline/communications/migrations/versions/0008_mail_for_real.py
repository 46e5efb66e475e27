"""Mail for real: a received e-mail's raw message in the blob store, the sales team's addresses (triage ownership),
the IMAP connector's positions, and e-mails written from leads with
the queue they are sent from.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("raw_size", sa.BigInteger(), nullable=True))
    op.create_table(
        "employee_addresses",
        sa.Column("employee_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_employee_addresses")),
    )
    with op.batch_alter_table("employee_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_employee_addresses_email", ["email"], unique=False)
    op.create_table(
        "mailbox_positions",
        sa.Column("mailbox", sa.String(length=100), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_positions")),
    )
    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("subject_line", sa.String(length=998), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.Uuid(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=2000), nullable=True),
        sa.Column("written_by", sa.String(length=200), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_emails_message_id")),
    )
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_emails_state_next_attempt_at", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbound_emails_lead_id", ["lead_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outbound_emails")
    op.drop_table("mailbox_positions")
    op.drop_table("employee_addresses")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_column("raw_size")
        batch_op.drop_column("raw_sha256")
