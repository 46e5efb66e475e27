"""Deals worked on a pipeline board, next steps that come due, partners' contact persons.

- Stages may carry a probability and close deals as won or lost (``outcome``); the default pipeline gains its
  closing stages Won and Lost, and its stages probabilities.
- Deals keep when they were created, entered their stage and closed (with their outcome), and a copy of their
  lead's salesperson, type and partner, so the board filters and totals them from one table's index. Each user's
  order of the cards in a stage.
- Leads get a next step (what, and when it comes due) and may name one of their partner's contact persons.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default pipeline's stages: (code, probability), and the closing ones it gains: (code, name, order, outcome).
STAGE_PROBABILITIES = [("discovery", 20), ("negotiation", 50), ("closing", 80)]
CLOSING_STAGES = [("won", "Won", 90, "won"), ("lost", "Lost", 100, "lost")]

reference_items = sa.table(
    "reference_items",
    sa.column("kind", sa.String),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("colour", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("parent_code", sa.String),
    sa.column("archived", sa.Boolean),
    sa.column("probability", sa.Integer),
    sa.column("outcome", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probability", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=4), nullable=True))
    _seed_stages()
    # The next start publishes the whole configuration again: the stages as they are now (probability, outcome,
    # the new closing ones) reach the compacted reference topic, which reporting now reads.
    op.execute(sa.text("UPDATE configuration_token SET published_at = NULL"))

    # Plain ADD COLUMNs on leads: SQLite keeps the table (and the text-search triggers on it) as it is.
    op.add_column("leads", sa.Column("next_step", sa.String(length=500), nullable=True))
    op.add_column("leads", sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("leads", sa.Column("contact_id", sa.Uuid(), nullable=True))
    op.create_index("ix_leads_closed_next_step_at", "leads", ["closed", "next_step_at", "created_at", "id"])
    op.create_index(
        "ix_leads_salesperson_closed_next_step_at",
        "leads",
        ["salesperson_id", "closed", "next_step_at", "created_at", "id"],
    )

    op.create_table(
        "partner_contacts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_partner_contacts_partner_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_contacts")),
    )
    op.create_index("ix_partner_contacts_partner_id", "partner_contacts", ["partner_id"])

    with op.batch_alter_table("deals", schema=None) as batch_op:
        for column in (
            sa.Column("outcome", sa.String(length=4), nullable=True),
            sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("stage_since", sa.DateTime(timezone=True), nullable=True),
            sa.Column("salesperson_id", sa.String(length=100), nullable=True),
            sa.Column("lead_type_code", sa.String(length=40), nullable=True),
            sa.Column("partner_id", sa.Uuid(), nullable=True),
        ):
            batch_op.add_column(column)
    # Deals made before knew no dates: they count from now.
    deals = sa.table(
        "deals",
        sa.column("lead_id", sa.Uuid),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("stage_since", sa.DateTime(timezone=True)),
        sa.column("salesperson_id", sa.String),
        sa.column("lead_type_code", sa.String),
        sa.column("partner_id", sa.Uuid),
    )
    leads = sa.table(
        "leads",
        sa.column("id", sa.Uuid),
        sa.column("salesperson_id", sa.String),
        sa.column("type_code", sa.String),
        sa.column("partner_id", sa.Uuid),
    )

    def of_lead(column: str) -> sa.ScalarSelect[object]:
        return sa.select(leads.c[column]).where(leads.c.id == deals.c.lead_id).scalar_subquery()

    now = datetime.now(UTC)
    op.execute(
        deals.update().values(
            created_at=now,
            stage_since=now,
            salesperson_id=of_lead("salesperson_id"),
            lead_type_code=of_lead("type_code"),
            partner_id=of_lead("partner_id"),
        )
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        for name in ("created_at", "stage_since"):
            batch_op.alter_column(name, existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("lead_type_code", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index(
            "ix_deals_board_totals",
            [
                "pipeline_code",
                "outcome",
                "stage_code",
                "currency",
                "value",
                "salesperson_id",
                "lead_type_code",
                "partner_id",
            ],
        )
        batch_op.create_index("ix_deals_stage_created_at", ["stage_code", "created_at", "id"])
        batch_op.create_index("ix_deals_partner_id", ["partner_id"])

    op.create_table(
        "deal_card_positions",
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_deal_card_positions_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "deal_id", name=op.f("pk_deal_card_positions")),
    )


def _seed_stages() -> None:
    """Only where the manager kept the default pipeline and no item took the codes."""
    connection = op.get_bind()
    present = {
        (kind, code) for kind, code in connection.execute(sa.select(reference_items.c.kind, reference_items.c.code))
    }
    if ("pipeline", "sales") not in present:
        return
    for code, probability in STAGE_PROBABILITIES:
        op.execute(
            reference_items.update()
            .where(
                reference_items.c.kind == "stage",
                reference_items.c.code == code,
                reference_items.c.parent_code == "sales",
            )
            .values(probability=probability)
        )
    new = [
        {
            "kind": "stage",
            "code": code,
            "name": name,
            "colour": None,
            "sort_order": order,
            "parent_code": "sales",
            "archived": False,
            "probability": 100 if outcome == "won" else 0,
            "outcome": outcome,
        }
        for code, name, order, outcome in CLOSING_STAGES
        if ("stage", code) not in present
    ]
    if new:
        op.bulk_insert(reference_items, new)


def downgrade() -> None:
    op.drop_table("deal_card_positions")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_partner_id")
        batch_op.drop_index("ix_deals_stage_created_at")
        batch_op.drop_index("ix_deals_board_totals")
        for name in ("partner_id", "lead_type_code", "salesperson_id", "stage_since", "created_at", "closed_at"):
            batch_op.drop_column(name)
        batch_op.drop_column("outcome")
    op.drop_index("ix_partner_contacts_partner_id", table_name="partner_contacts")
    op.drop_table("partner_contacts")
    op.drop_index("ix_leads_salesperson_closed_next_step_at", table_name="leads")
    op.drop_index("ix_leads_closed_next_step_at", table_name="leads")
    op.drop_column("leads", "contact_id")
    op.drop_column("leads", "next_step_at")
    op.drop_column("leads", "next_step")
    op.execute(
        reference_items.delete().where(
            reference_items.c.kind == "stage", reference_items.c.code.in_([c for c, *_ in CLOSING_STAGES])
        )
    )
    with op.batch_alter_table("reference_items", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("probability")
