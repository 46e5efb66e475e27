"""Indexes the lists, sorts and kanban board need at a million leads (measured with
tests/bench/lead_queries.py), and trigram indexes for free-text search on PostgreSQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_leads_name_id": ["name", "id"],
    "ix_leads_updated_at_id": ["updated_at", "id"],
    "ix_leads_expected_revenue_id": ["expected_revenue", "id"],
    "ix_leads_board_totals": ["closed", "status_code", "type_code", "currency", "expected_revenue"],
    "ix_leads_closed_expected_close": ["closed", "expected_close", "created_at", "id"],
}
# Free text is a substring match ("%kowal%"); only trigram indexes serve it, and only PostgreSQL has them.
TRIGRAM_INDEXES = {
    "ix_leads_name_trgm": ("leads", "name"),
    "ix_leads_email_trgm": ("leads", "email"),
    "ix_leads_phone_trgm": ("leads", "phone"),
    "ix_partners_name_trgm": ("partners", "name"),
}


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX {name}")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
