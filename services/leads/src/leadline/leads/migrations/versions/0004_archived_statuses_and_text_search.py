"""Statuses in use are archived rather than deleted; history entries keep the lead they came from
when it was merged; on SQLite, free-text search gets an FTS5 trigram index.

On SQLite a substring search ("%kowal%") scans every lead (0.6 s at a million). An FTS5 table with
the trigram tokenizer answers the same substring question from an index, any case. It keeps its own
copy of each lead's name, e-mail and phone, kept current by triggers; the lead id is stored beside
them for the list query to join on. The triggers find a lead's row through ``leads.search_id``, an
ordinary column they fill: leads' implicit rowid cannot serve, because VACUUM may renumber it.
A later migration that rebuilds the leads table (Alembic batch "recreate") drops the triggers with the
old table and must create them again. (PostgreSQL has its pg_trgm indexes from 0003.)

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

SQLITE_TEXT_SEARCH = [
    "ALTER TABLE leads ADD COLUMN search_id INTEGER",
    "CREATE VIRTUAL TABLE lead_text_search USING fts5(lead_id UNINDEXED, name, email, phone, tokenize='trigram')",
    "INSERT INTO lead_text_search (rowid, lead_id, name, email, phone) SELECT rowid, id, name, email, phone FROM leads",
    "UPDATE leads SET search_id = rowid",
    """CREATE TRIGGER lead_text_search_insert AFTER INSERT ON leads BEGIN
        INSERT INTO lead_text_search (lead_id, name, email, phone) VALUES (new.id, new.name, new.email, new.phone);
        UPDATE leads SET search_id = last_insert_rowid() WHERE id = new.id;
    END""",
    """CREATE TRIGGER lead_text_search_update AFTER UPDATE OF name, email, phone ON leads BEGIN
        UPDATE lead_text_search SET name = new.name, email = new.email, phone = new.phone
        WHERE rowid = new.search_id;
    END""",
    """CREATE TRIGGER lead_text_search_delete AFTER DELETE ON leads BEGIN
        DELETE FROM lead_text_search WHERE rowid = old.search_id;
    END""",
]


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch rebuild: lead types and leads refer to statuses by foreign key.
    op.add_column("statuses", sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("lead_history", sa.Column("merged_from_lead_id", sa.Uuid(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_TEXT_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER lead_text_search_{trigger}")
        op.execute("DROP TABLE lead_text_search")
        op.drop_column("leads", "search_id")
    op.drop_column("lead_history", "merged_from_lead_id")
    op.drop_column("statuses", "archived")
