"""The reporting service's tables: what it has learnt from lead events, and the aggregates."""

from sqlalchemy import Column, Integer, String, Table, Uuid

from leadline.contracts.sql import new_metadata

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
