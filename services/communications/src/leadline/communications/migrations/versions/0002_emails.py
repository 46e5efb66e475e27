"""E-mails: the emails table with its recipients and replies, and the known leads' e-mail addresses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "emails",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=998), nullable=False),
        sa.Column("in_reply_to", sa.String(length=998), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("sender", sa.String(length=320), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("subject_line", sa.String(length=998), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("candidate_lead_ids", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_emails_message_id")),
    )
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.create_index("ix_emails_state_sent_at", ["state", "sent_at"], unique=False)
        batch_op.create_index("ix_emails_sent_at_id", ["sent_at", "id"], unique=False)
        batch_op.create_index("ix_emails_sender_state", ["sender", "state"], unique=False)
        batch_op.create_index("ix_emails_lead_id", ["lead_id"], unique=False)

    op.create_table(
        "email_recipients",
        sa.Column("email_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("email_id", "address", name=op.f("pk_email_recipients")),
    )
    with op.batch_alter_table("email_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_email_recipients_address", ["address"], unique=False)

    op.create_table(
        "email_replies",
        sa.Column("email_id", sa.Uuid(), nullable=False),
        sa.Column("replied_message_id", sa.String(length=998), nullable=False),
        sa.PrimaryKeyConstraint("email_id", "replied_message_id", name=op.f("pk_email_replies")),
    )
    with op.batch_alter_table("email_replies", schema=None) as batch_op:
        batch_op.create_index("ix_email_replies_replied_message_id", ["replied_message_id"], unique=False)

    # Leads created before this release are known without their e-mail: e-mails match them once an edit
    # of the lead's e-mail (LeadUpdatedV1) says what it is.
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.create_index("ix_known_leads_email", ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("known_leads", schema=None) as batch_op:
        batch_op.drop_index("ix_known_leads_email")
        batch_op.drop_column("email")
    op.drop_table("email_replies")
    op.drop_table("email_recipients")
    op.drop_table("emails")
