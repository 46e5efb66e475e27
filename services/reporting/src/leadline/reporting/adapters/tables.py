"""The reporting service's tables: what it has learnt from lead events, and the aggregates."""

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Uuid

from leadline.contracts.platform.sql import UtcDateTime, new_metadata

metadata = new_metadata()

# Each lead's current status, so a status change is counted from where the lead really was.
lead_statuses = Table(
    "lead_statuses",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("status_code", String(40), nullable=False),
)

leads_by_status = Table(
    "leads_by_status",
    metadata,
    Column("status_code", String(40), primary_key=True),
    Column("lead_count", Integer, nullable=False),
)

# The lead report's facts: one row per lead with its dimensions, its measures and its time buckets (see
# domain/buckets.py for why the buckets are stored). Amounts in hundredths, so sums are exact everywhere.
report_leads = Table(
    "report_leads",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("status_code", String(40), nullable=False, index=True),
    Column("type_code", String(40), nullable=False),
    Column("partner_id", String(36)),
    Column("salesperson_id", String(100)),
    Column("priority_code", String(40)),
    Column("source_code", String(40)),
    Column("campaign_code", String(40)),
    Column("channel_code", String(40)),
    Column("lead_date", UtcDateTime(), nullable=False, index=True),
    Column("lead_minute", String(16), nullable=False),
    Column("lead_hour", String(13), nullable=False),
    Column("lead_day", String(10), nullable=False),
    Column("lead_weekday", String(1), nullable=False),
    Column("lead_week", String(8), nullable=False),
    Column("lead_month", String(7), nullable=False),
    Column("lead_year", String(4), nullable=False),
    Column("expected_close", Date),
    Column("close_weekday", String(1)),
    Column("close_week", String(8)),
    Column("close_month", String(7)),
    Column("close_year", String(4)),
    Column("currency", String(3)),
    Column("revenue_minor", BigInteger),
    Column("probability", Integer),
    Column("closed", Boolean, nullable=False),
    Column("lost", Boolean, nullable=False),
    Column("lost_reason_code", String(40)),
    Column("status_since", UtcDateTime(), nullable=False),
    Column("next_step", String(500)),
    Column("next_step_at", UtcDateTime()),
    Index("ix_report_leads_open_salesperson", "closed", "salesperson_id"),
    Index("ix_report_leads_open_since", "closed", "status_since"),
)

report_lead_tags = Table(
    "report_lead_tags",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("tag", String(40), primary_key=True, index=True),
)

# Each stay of a lead in a status: entered then, left then (open while it is still there) for the next status.
report_status_periods = Table(
    "report_status_periods",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("lead_id", Uuid, nullable=False),
    Column("status_code", String(40), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False, index=True),
    Column("entered_day", String(10), nullable=False),
    Column("entered_week", String(8), nullable=False),
    Column("entered_month", String(7), nullable=False),
    Column("left_at", UtcDateTime()),
    Column("next_status_code", String(40)),
    Column("seconds_in_status", BigInteger),
    Index("ix_report_status_periods_lead_open", "lead_id", "left_at"),
    # The funnel per month and status, re-read for the cells each batch changed.
    Index("ix_report_status_periods_month_status", "entered_month", "status_code"),
)


# Each call and e-mail: when it arrived, and how triage decided it (null: still in triage).
report_communications = Table(
    "report_communications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(5), nullable=False),
    Column("arrived_at", UtcDateTime(), nullable=False, index=True),
    Column("arrived_day", String(10), nullable=False),
    Column("arrived_week", String(8), nullable=False),
    Column("arrived_month", String(7), nullable=False),
    Column("outcome", String(10)),
    Column("decided_at", UtcDateTime()),
    Column("decision_seconds", BigInteger),
)

# Calls as the PBX reported them: direction and disposition per period of their start, and the missed ones (inbound,
# nobody answered) with how and how soon they were returned.
report_calls = Table(
    "report_calls",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("direction", String(10), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False, index=True),
    Column("started_day", String(10), nullable=False),
    Column("started_week", String(8), nullable=False),
    Column("started_month", String(7), nullable=False),
    Column("disposition", String(20)),  # null until it ended, or when its gateway reports no end
    Column("missed", Boolean, nullable=False),
    Column("callback", String(20)),  # called_back or marked_done, once a missed call was cleared
    Column("callback_seconds", BigInteger),  # from the missed call to the call back that returned it
)

# The stages of the leads service's pipelines, from its reference topic: their order, probability and outcome.
report_stages = Table(
    "report_stages",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("pipeline_code", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("sort_order", Integer, nullable=False),
    Column("probability", Integer),
    Column("outcome", String(4)),
)

# Each deal as it is now: its pipeline and stage, value (in hundredths), and when it closed, with the buckets of that.
report_deals = Table(
    "report_deals",
    metadata,
    Column("deal_id", Uuid, primary_key=True),
    Column("lead_id", Uuid, nullable=False, index=True),
    Column("pipeline_code", String(40), nullable=False),
    Column("stage_code", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("outcome", String(4)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("closed_day", String(10)),
    Column("closed_week", String(8)),
    Column("closed_month", String(7)),
    Column("cycle_seconds", BigInteger),  # from created to closed
    Index("ix_report_deals_pipeline_stage", "pipeline_code", "stage_code"),
    Index("ix_report_deals_closed_at", "closed_at"),
)

# Each stay of a deal in a stage: entered then, left then (open while it is still there) for the next stage.
report_deal_stays = Table(
    "report_deal_stays",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("deal_id", Uuid, nullable=False),
    Column("pipeline_code", String(40), nullable=False),
    Column("stage_code", String(40), nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False, index=True),
    Column("left_at", UtcDateTime()),
    Column("next_stage_code", String(40)),
    Column("seconds_in_stage", BigInteger),
    Index("ix_report_deal_stays_deal_open", "deal_id", "left_at"),
)
