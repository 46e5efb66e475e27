"""Deals for the pipeline reports: the pipelines' stages, each deal and its stays in stages; and each lead's next
step, which the stuck-leads report shows.

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


def upgrade() -> None:
    op.add_column("report_leads", sa.Column("next_step", sa.String(length=500), nullable=True))
    op.add_column("report_leads", sa.Column("next_step_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "report_stages",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("pipeline_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=4), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_report_stages")),
    )
    op.create_table(
        "report_deals",
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_code", sa.String(length=40), nullable=False),
        sa.Column("stage_code", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("value_minor", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_day", sa.String(length=10), nullable=True),
        sa.Column("closed_week", sa.String(length=8), nullable=True),
        sa.Column("closed_month", sa.String(length=7), nullable=True),
        sa.Column("cycle_seconds", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_report_deals")),
    )
    op.create_index(op.f("ix_report_deals_lead_id"), "report_deals", ["lead_id"])
    op.create_index("ix_report_deals_pipeline_stage", "report_deals", ["pipeline_code", "stage_code"])
    op.create_index("ix_report_deals_closed_at", "report_deals", ["closed_at"])
    op.create_table(
        "report_deal_stays",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("deal_id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_code", sa.String(length=40), nullable=False),
        sa.Column("stage_code", sa.String(length=40), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_stage_code", sa.String(length=40), nullable=True),
        sa.Column("seconds_in_stage", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deal_stays")),
    )
    op.create_index(op.f("ix_report_deal_stays_entered_at"), "report_deal_stays", ["entered_at"])
    op.create_index("ix_report_deal_stays_deal_open", "report_deal_stays", ["deal_id", "left_at"])


def downgrade() -> None:
    op.drop_table("report_deal_stays")
    op.drop_table("report_deals")
    op.drop_table("report_stages")
    with op.batch_alter_table("report_leads", schema=None) as batch_op:
        batch_op.drop_column("next_step_at")
        batch_op.drop_column("next_step")
