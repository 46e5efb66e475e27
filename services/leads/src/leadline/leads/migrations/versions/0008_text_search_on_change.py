"""SQLite's free-text index is rewritten only when a lead's name, e-mail or phone really changes.

An ``UPDATE OF name, email, phone`` trigger fires whenever those columns are in the SET list, and a lead
is saved whole: every kanban move or probability edit rewrote the lead's trigram index entry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPDATE_TRIGGER = """CREATE TRIGGER lead_text_search_update AFTER UPDATE OF name, email, phone ON leads {when} BEGIN
    UPDATE lead_text_search SET name = new.name, email = new.email, phone = new.phone
    WHERE rowid = new.search_id;
END"""
ON_CHANGE = "WHEN old.name IS NOT new.name OR old.email IS NOT new.email OR old.phone IS NOT new.phone"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER lead_text_search_update")
        op.execute(UPDATE_TRIGGER.format(when=ON_CHANGE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER lead_text_search_update")
        op.execute(UPDATE_TRIGGER.format(when=""))
