"""The leads service's tables (the outbox and inbox come from the contracts package)."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Uuid

from leadline.contracts.sql import UtcDateTime, new_metadata

metadata = new_metadata()

statuses = Table(
    "statuses",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("sort_order", Integer, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("lost", Boolean, nullable=False),
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

leads = Table(
    "leads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type_code", ForeignKey("lead_types.code"), nullable=False),
    Column("status_code", ForeignKey("statuses.code"), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("salesperson_id", String(100)),
    Column("phone", String(20)),
    Column("email", String(320)),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("origin_kind", String(20)),
    Column("origin_id", Uuid),
    # The default list: newest first, a stable tie-break on id for cursor pagination.
    Index("ix_leads_created_at_id", "created_at", "id"),
    Index("ix_leads_status_code", "status_code"),
    Index("ix_leads_salesperson_id", "salesperson_id"),
    Index("ix_leads_phone", "phone"),
)
