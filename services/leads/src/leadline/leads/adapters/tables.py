"""The leads service's tables (the outbox and inbox come from the contracts package)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    column,
    table,
    text,
)

from leadline.contracts.platform.idempotency import idempotency_keys_table
from leadline.contracts.platform.sql import UtcDateTime, new_metadata

metadata = new_metadata()

statuses = Table(
    "statuses",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("sort_order", Integer, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("lost", Boolean, nullable=False),
    Column("archived", Boolean, nullable=False, default=False),
)

# One row: a random token replaced by every change of statuses, lead types, reference items or settings,
# so each process can tell whether its cached copy of them is current (adapters/configuration_cache.py);
# and when the whole configuration was first published (service/reference.py: publish_configuration_once).
configuration_token = Table(
    "configuration_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token", Uuid, nullable=False),
    Column("published_at", UtcDateTime()),
)

# How far the announcement of every lead (LeadAnnouncedV1) has come: one row, made by the migration that brought
# the announcement, for the leads that existed then (see leadline.leads.service.announcement).
lead_announcement = Table(
    "lead_announcement",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("after_lead_id", Uuid),
    Column("done_at", UtcDateTime()),
)

lead_types = Table(
    "lead_types",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
)

lead_type_statuses = Table(
    "lead_type_statuses",
    metadata,
    Column("type_code", ForeignKey("lead_types.code"), primary_key=True),
    Column("status_code", ForeignKey("statuses.code"), primary_key=True),
)

# Priorities, tags, lost reasons, sources, campaigns, channels, products, pipelines and their
# stages: one shape (a code, a name, maybe a colour), one table, one API. Leads refer to them by
# code; items in use are archived rather than deleted, so old leads keep their meaning.
reference_items = Table(
    "reference_items",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("colour", String(7)),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("parent_code", String(40)),  # a stage's pipeline
    Column("archived", Boolean, nullable=False, default=False),
    Column("probability", Integer),  # a stage's: the chance a deal in it is won, percent
    Column("outcome", String(4)),  # a closing stage's: won or lost
)

employees = Table(
    "employees",
    metadata,
    Column("id", String(100), primary_key=True),  # the identity provider's subject
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("extension", String(20)),
    Column("archived", Boolean, nullable=False, default=False),
    Column("email", String(320)),
    Index("ix_employees_extension", "extension"),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tax_id", String(30)),
    Column("contact_person", String(200)),
    Column("phone", String(20)),
    Column("email", String(320)),
    Column("street", String(200)),
    Column("city", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("archived", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
    Index("ix_partners_name", "name"),
)

# A partner's contact persons; a lead may name one of its partner's (leads.contact_id).
partner_contacts = Table(
    "partner_contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(100)),
    Column("phones", JSON, nullable=False),  # E.164
    Column("emails", JSON, nullable=False),  # lower case
    Index("ix_partner_contacts_partner_id", "partner_id"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200)),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type_code", ForeignKey("lead_types.code"), nullable=False),
    Column("status_code", ForeignKey("statuses.code"), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("status_since", UtcDateTime(), nullable=False),
    Column("salesperson_id", String(100)),
    Column("partner_id", ForeignKey("partners.id")),
    Column("product_code", String(40)),
    Column("priority_code", String(40)),
    Column("source_code", String(40)),
    Column("campaign_code", String(40)),
    Column("channel_code", String(40)),
    Column("lost_reason_code", String(40)),
    Column("expected_revenue", Numeric(14, 2)),
    Column("currency", String(3), nullable=False),
    Column("probability", Integer),
    Column("expected_close", Date),
    Column("phone", String(20)),
    Column("email", String(320)),
    Column("website", String(300)),
    Column("contact_person", String(200)),
    Column("street", String(200)),
    Column("city", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("description", Text),
    Column("lead_date", UtcDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("origin_kind", String(20)),
    Column("origin_id", Uuid),
    Column("next_step", String(500)),
    Column("next_step_at", UtcDateTime()),
    # One of the partner's contact persons (checked by the use cases, which refuse to delete one a lead names;
    # no foreign key: on SQLite adding one would rebuild the table, and the text-search triggers with it).
    Column("contact_id", Uuid),
    # Lists are newest first with id as the tie-break (cursor pagination); the common filters lead.
    Index("ix_leads_created_at_id", "created_at", "id"),
    Index("ix_leads_closed_created_at", "closed", "created_at", "id"),
    Index("ix_leads_status_code_created_at", "status_code", "created_at", "id"),
    Index("ix_leads_salesperson_closed_created_at", "salesperson_id", "closed", "created_at", "id"),
    Index("ix_leads_type_code", "type_code"),
    Index("ix_leads_partner_id", "partner_id"),
    Index("ix_leads_priority_code", "priority_code"),
    Index("ix_leads_source_code", "source_code"),
    Index("ix_leads_campaign_code", "campaign_code"),
    Index("ix_leads_channel_code", "channel_code"),
    Index("ix_leads_created_by_created_at_id", "created_by", "created_at", "id"),
    Index("ix_leads_lead_date", "lead_date"),
    Index("ix_leads_expected_close", "expected_close"),
    Index("ix_leads_closed_status_since", "closed", "status_since"),  # leads stuck in their status
    Index("ix_leads_phone", "phone"),
    Index("ix_leads_email", "email"),
    # Sorting by these without an index reads every lead (measured 110-205 ms at a million).
    Index("ix_leads_name_id", "name", "id"),
    Index("ix_leads_updated_at_id", "updated_at", "id"),
    Index("ix_leads_expected_revenue_id", "expected_revenue", "id"),
    Index("ix_leads_closed_expected_close", "closed", "expected_close", "created_at", "id"),
    # Next steps coming due (and open leads without one), everyone's and a salesperson's own.
    Index("ix_leads_closed_next_step_at", "closed", "next_step_at", "created_at", "id"),
    Index("ix_leads_salesperson_closed_next_step_at", "salesperson_id", "closed", "next_step_at", "created_at", "id"),
    # On PostgreSQL, migration 0003 also adds pg_trgm GIN indexes on name, e-mail and phone (and
    # partners' name) for free-text search; SQLite has no equivalent and scans.
)

lead_tags = Table(
    "lead_tags",
    metadata,
    Column("lead_id", ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_code", String(40), primary_key=True),
    Index("ix_lead_tags_tag_code", "tag_code"),
)

deals = Table(
    "deals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("lead_id", ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("pipeline_code", String(40), nullable=False),
    Column("stage_code", String(40), nullable=False),
    Column("value", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("outcome", String(4)),  # won or lost: the deal is in a closing stage (since closed_at)
    Column("closed_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("stage_since", UtcDateTime(), nullable=False),
    # The lead's salesperson, type and partner, copied as they change (LeadRepository.save), so the pipeline
    # board filters and sums deals from this table's index alone instead of joining a million leads.
    Column("salesperson_id", String(100)),
    Column("lead_type_code", String(40), nullable=False),
    Column("partner_id", Uuid),
    Index("ix_deals_lead_id", "lead_id"),
    # The board's column totals under a value filter (the others: deal_totals), answered from the index alone: the
    # deals of a pipeline and state in the value range are one run of it.
    Index(
        "ix_deals_value_totals",
        "pipeline_code",
        "outcome",
        "value",
        "stage_code",
        "currency",
        "salesperson_id",
        "lead_type_code",
        "partner_id",
    ),
    # A column's cards, newest first (stage codes are unique across pipelines).
    Index("ix_deals_stage_created_at", "stage_code", "created_at", "id"),
    Index("ix_deals_partner_id", "partner_id"),
)

# The other phones and e-mail addresses a lead is known by: those of the leads merged into it.
lead_contacts = Table(
    "lead_contacts",
    metadata,
    Column("lead_id", ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(5), primary_key=True),  # phone or email
    Column("value", String(320), primary_key=True),
    Column("from_lead_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),  # the order they were gained in
    Index("ix_lead_contacts_kind_value", "kind", "value"),  # likely duplicates
)

# Who changed what and when: one row per change, its fields as [{field, old, new}].
lead_history = Table(
    "lead_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("lead_id", Uuid, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by", String(100), nullable=False),
    Column("action", String(30), nullable=False),
    Column("changes", JSON, nullable=False),
    # Set on the entries a lead brought along when it was merged into this one: the lead they were about.
    Column("merged_from_lead_id", Uuid),
    Index("ix_lead_history_lead_id_id", "lead_id", "id"),
    Index("ix_lead_history_merged_from_lead_id", "merged_from_lead_id"),
)

# Calls, e-mails, orders and invoices linked to a lead, as the other services' events say.
lead_links = Table(
    "lead_links",
    metadata,
    Column("kind", String(20), primary_key=True),
    Column("item_id", String(100), primary_key=True),
    Column("lead_id", Uuid, nullable=False),
    Column("label", String(200), nullable=False),
    Column("linked_at", UtcDateTime(), nullable=False),
    Column("document", JSON),  # an order's or invoice's number, date, status, type and amount
    Index("ix_lead_links_lead_id", "lead_id"),
)

# What the PBX reported of each call, as communications' call events last said it (whether or not the call is linked
# yet): the lead card shows a linked call's direction, how far it got, its duration and its recording from it.
call_facts = Table(
    "call_facts",
    metadata,
    Column("call_id", String(100), primary_key=True),
    Column("facts", JSON, nullable=False),
)

# The order of cards inside a kanban column, per user.
card_positions = Table(
    "card_positions",
    metadata,
    Column("user_id", String(100), primary_key=True),
    Column("lead_id", ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Float, nullable=False),
)

# The kanban board's column headers: how many open leads each status holds, per lead type and currency, and
# the sum of their expected revenue. Kept by triggers as leads change (migration 0014) instead of counted over
# every open lead per request; adapters/board_totals.py says how, and why in two tables.
open_lead_totals = Table(
    "open_lead_totals",
    metadata,
    Column("status_code", String(40), primary_key=True),
    Column("type_code", String(40), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("leads", BigInteger, nullable=False),
    Column("with_revenue", BigInteger, nullable=False),  # how many of them have an expected revenue
    Column("revenue_cents", BigInteger, nullable=False),  # whole hundredths: exact sums on SQLite too
)

# What each lead write changed in those totals, a row per change, only ever inserted by the writers (so they
# never wait for each other); folded into open_lead_totals now and then.
open_lead_total_changes = Table(
    "open_lead_total_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("status_code", String(40), nullable=False),
    Column("type_code", String(40), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("leads", Integer, nullable=False),
    Column("with_revenue", Integer, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
)

# The pipeline board's column headers: how many deals each stage holds and their value, per state (open, won,
# lost), currency, salesperson ('' for none: a key column cannot be null) and lead type. Kept by triggers as deals
# change (migration 0018), like open_lead_totals, instead of counted over every deal of a state per request.
deal_totals = Table(
    "deal_totals",
    metadata,
    Column("pipeline_code", String(40), primary_key=True),
    Column("stage_code", String(40), primary_key=True),
    Column("state", String(4), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("salesperson_id", String(100), primary_key=True),
    Column("lead_type_code", String(40), primary_key=True),
    Column("deals", BigInteger, nullable=False),
    Column("value_cents", BigInteger, nullable=False),  # whole hundredths: exact sums on SQLite too
)

# What each deal write changed in those totals, a row per change; folded into deal_totals now and then.
deal_total_changes = Table(
    "deal_total_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("pipeline_code", String(40), nullable=False),
    Column("stage_code", String(40), nullable=False),
    Column("state", String(4), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("salesperson_id", String(100), nullable=False),
    Column("lead_type_code", String(40), nullable=False),
    Column("deals", Integer, nullable=False),
    Column("value_cents", BigInteger, nullable=False),
)

# The order of cards inside a stage of the pipeline board, per user.
deal_card_positions = Table(
    "deal_card_positions",
    metadata,
    Column("user_id", String(100), primary_key=True),
    Column("deal_id", ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Float, nullable=False),
)

# SQLite only, made by migration 0004 (not part of the metadata, so PostgreSQL never sees it): an FTS5
# trigram index of each lead's name, e-mail and phone that free-text search reads instead of scanning.
lead_text_search = table(
    "lead_text_search",
    column("lead_text_search"),  # the FTS5 table's own column: the left side of MATCH
    column("lead_id", Uuid),
    column("name", String),
    column("email", String),
    column("phone", String),
)

# The Idempotency-Keys of creates and their answers (leadline.contracts.platform.idempotency).
idempotency_keys = idempotency_keys_table(metadata)
