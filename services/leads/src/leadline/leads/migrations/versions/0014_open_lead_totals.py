"""The kanban board's column totals are kept as leads change, instead of counted over every open lead per
request (133 ms p99 at a million leads): triggers on leads add a row per change to open_lead_total_changes,
which the service folds into open_lead_totals now and then (adapters/board_totals.py).

The triggers come first and the totals are counted after them in the same transaction: on PostgreSQL
CREATE TRIGGER locks out lead writers until the commit, so a lead written meanwhile is either counted here
or seen by a trigger, never both or neither. The index that served the count per request goes.
A later migration that rebuilds the leads table (Alembic batch "recreate") drops SQLite's triggers with the
old table and must create them again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns whose change moves a lead between totals, or in or out of them.
COUNTED = ("status_code", "type_code", "currency", "expected_revenue", "closed")
COLUMNS = "status_code, type_code, currency, leads, with_revenue, revenue_cents"


def _sqlite_change(row: str, sign: str) -> str:
    """The change row of an open lead (``row``: old or new) leaving (-) or entering (+) the totals."""
    return (
        f"INSERT INTO open_lead_total_changes ({COLUMNS}) SELECT {row}.status_code, {row}.type_code, {row}.currency,"
        f" {sign}1, {sign}({row}.expected_revenue IS NOT NULL),"
        f" {sign}coalesce(CAST(round({row}.expected_revenue * 100) AS INTEGER), 0) WHERE NOT {row}.closed;"
    )


SQLITE_TRIGGERS = {
    "open_lead_totals_insert": f"AFTER INSERT ON leads BEGIN {_sqlite_change('new', '+')} END",
    "open_lead_totals_delete": f"AFTER DELETE ON leads BEGIN {_sqlite_change('old', '-')} END",
    "open_lead_totals_update": f"AFTER UPDATE OF {', '.join(COUNTED)} ON leads"
    f" WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in COUNTED)}"
    f" BEGIN {_sqlite_change('old', '-')} {_sqlite_change('new', '+')} END",
}


def _postgres_change(row: str, sign: str) -> str:
    return f"""IF NOT {row}.closed THEN
            INSERT INTO open_lead_total_changes ({COLUMNS}) VALUES ({row}.status_code, {row}.type_code,
                {row}.currency, {sign}1, CASE WHEN {row}.expected_revenue IS NULL THEN 0 ELSE {sign}1 END,
                {sign}coalesce(({row}.expected_revenue * 100)::bigint, 0));
        END IF;"""


POSTGRES_FUNCTION = f"""CREATE FUNCTION open_lead_total_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_postgres_change("OLD", "-")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        {_postgres_change("NEW", "+")}
    END IF;
    RETURN NULL;
END $$"""
POSTGRES_TRIGGERS = {
    "open_lead_totals_insert_delete": "AFTER INSERT OR DELETE ON leads FOR EACH ROW",
    "open_lead_totals_update": f"AFTER UPDATE OF {', '.join(COUNTED)} ON leads FOR EACH ROW"
    f" WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in COUNTED)})",
}

INITIAL_TOTALS = f"""INSERT INTO open_lead_totals ({COLUMNS})
    SELECT status_code, type_code, currency, count(*), count(expected_revenue),
           coalesce(sum({{cents}}), 0)
    FROM leads WHERE NOT closed GROUP BY status_code, type_code, currency"""
CENTS = {
    "sqlite": "CAST(round(expected_revenue * 100) AS INTEGER)",
    "postgresql": "(expected_revenue * 100)::bigint",
}


def upgrade() -> None:
    op.create_table(
        "open_lead_totals",
        sa.Column("status_code", sa.String(length=40), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("leads", sa.BigInteger(), nullable=False),
        sa.Column("with_revenue", sa.BigInteger(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("status_code", "type_code", "currency", name=op.f("pk_open_lead_totals")),
    )
    op.create_table(
        "open_lead_total_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("status_code", sa.String(length=40), nullable=False),
        sa.Column("type_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("with_revenue", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_lead_total_changes")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION open_lead_total_change()")
    op.execute(INITIAL_TOTALS.format(cents=CENTS[dialect]))
    op.drop_index("ix_leads_board_totals", table_name="leads")


def downgrade() -> None:
    op.create_index(
        "ix_leads_board_totals", "leads", ["closed", "status_code", "type_code", "currency", "expected_revenue"]
    )
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON leads")
        op.execute("DROP FUNCTION open_lead_total_change()")
    op.drop_table("open_lead_total_changes")
    op.drop_table("open_lead_totals")
