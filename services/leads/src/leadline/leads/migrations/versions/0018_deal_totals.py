"""The pipeline board's column totals are kept as deals change, instead of counted per request over every deal of
the state shown (180 ms for the won deals of a pipeline at a million leads, and growing with every deal closed):
triggers on deals add a row per change to deal_total_changes, which the service folds into deal_totals now and
then (adapters/board_totals.py), as migration 0014 did for the kanban board. The index that served the count
per request is left to the one board it still counts, a value range: the value comes right after the pipeline and
state, so the deals in the range are one run of it instead of a skip over every stage and currency.

The triggers come first and the totals are counted after them in the same transaction: on PostgreSQL CREATE
TRIGGER locks out deal writers until the commit, so a deal written meanwhile is either counted here or seen by a
trigger, never both or neither. A later migration that rebuilds the deals table (Alembic batch "recreate") drops
SQLite's triggers with the old table and must create them again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# After the pipeline and state, the columns of the index of the totals under a value filter, and of the one it
# replaces (migration 0016's, which every board's totals were counted on).
VALUE_TOTALS = ["value", "stage_code", "currency", "salesperson_id", "lead_type_code", "partner_id"]
BOARD_TOTALS = ["stage_code", "currency", "value", "salesperson_id", "lead_type_code", "partner_id"]

# The columns whose change moves a deal between totals.
COUNTED = ("pipeline_code", "stage_code", "outcome", "currency", "salesperson_id", "lead_type_code", "value")
COLUMNS = "pipeline_code, stage_code, state, currency, salesperson_id, lead_type_code, deals, value_cents"
CENTS = {
    "sqlite": "CAST(round({row}.value * 100) AS INTEGER)",
    "postgresql": "({row}.value * 100)::bigint",
}


def _key(row: str) -> str:
    """The totals a deal (``row``: old or new) counts in; no salesperson is '', as a key column cannot be null."""
    return (
        f"{row}.pipeline_code, {row}.stage_code, coalesce({row}.outcome, 'open'), {row}.currency,"
        f" coalesce({row}.salesperson_id, ''), {row}.lead_type_code"
    )


def _change(dialect: str, row: str, sign: str) -> str:
    """The change row of a deal leaving (-) or entering (+) the totals."""
    return (
        f"INSERT INTO deal_total_changes ({COLUMNS})"
        f" VALUES ({_key(row)}, {sign}1, {sign}{CENTS[dialect].format(row=row)});"
    )


SQLITE_TRIGGERS = {
    "deal_totals_insert": f"AFTER INSERT ON deals BEGIN {_change('sqlite', 'new', '+')} END",
    "deal_totals_delete": f"AFTER DELETE ON deals BEGIN {_change('sqlite', 'old', '-')} END",
    "deal_totals_update": f"AFTER UPDATE OF {', '.join(COUNTED)} ON deals"
    f" WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in COUNTED)}"
    f" BEGIN {_change('sqlite', 'old', '-')} {_change('sqlite', 'new', '+')} END",
}

POSTGRES_FUNCTION = f"""CREATE FUNCTION deal_total_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {_change("postgresql", "OLD", "-")}
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        {_change("postgresql", "NEW", "+")}
    END IF;
    RETURN NULL;
END $$"""
POSTGRES_TRIGGERS = {
    "deal_totals_insert_delete": "AFTER INSERT OR DELETE ON deals FOR EACH ROW",
    "deal_totals_update": f"AFTER UPDATE OF {', '.join(COUNTED)} ON deals FOR EACH ROW"
    f" WHEN ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in COUNTED)})",
}

INITIAL_TOTALS = f"""INSERT INTO deal_totals ({COLUMNS})
    SELECT {_key("deals")}, count(*), coalesce(sum({{cents}}), 0)
    FROM deals GROUP BY {_key("deals")}"""


def _key_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("pipeline_code", sa.String(length=40), nullable=False),
        sa.Column("stage_code", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("salesperson_id", sa.String(length=100), nullable=False),
        sa.Column("lead_type_code", sa.String(length=40), nullable=False),
    ]


def upgrade() -> None:
    key = _key_columns()
    op.create_table(
        "deal_totals",
        *key,
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*(column.name for column in key), name=op.f("pk_deal_totals")),
    )
    op.create_table(
        "deal_total_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        *_key_columns(),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_total_changes")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        op.execute(POSTGRES_FUNCTION)
        for name, when in POSTGRES_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION deal_total_change()")
    op.execute(INITIAL_TOTALS.format(cents=CENTS[dialect].format(row="deals")))
    # Plain index statements, not a batch: a batch that rebuilt deals on SQLite would drop the triggers.
    op.drop_index("ix_deals_board_totals", table_name="deals")
    op.create_index("ix_deals_value_totals", "deals", ["pipeline_code", "outcome", *VALUE_TOTALS])


def downgrade() -> None:
    op.drop_index("ix_deals_value_totals", table_name="deals")
    op.create_index("ix_deals_board_totals", "deals", ["pipeline_code", "outcome", *BOARD_TOTALS])
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name in POSTGRES_TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON deals")
        op.execute("DROP FUNCTION deal_total_change()")
    op.drop_table("deal_total_changes")
    op.drop_table("deal_totals")
