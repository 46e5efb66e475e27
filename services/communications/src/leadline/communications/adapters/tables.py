"""The communications service's tables (the outbox and inbox come from the contracts package)."""

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Uuid

from leadline.contracts.sql import UtcDateTime, new_metadata

metadata = new_metadata()

calls = Table(
    "calls",
    metadata,
    Column("id", Uuid, primary_key=True),
    # A gateway retry carries the same PBX call id: unique, so a call is stored once.
    Column("pbx_call_id", String(200), nullable=False, unique=True),
    Column("caller_number", String(50), nullable=False),
    Column("called_number", String(50), nullable=False),
    Column("extension", String(20)),
    Column("direction", String(10), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("state", String(20), nullable=False),
    Column("lead_id", Uuid),
    Column("candidate_lead_ids", JSON, nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", UtcDateTime()),
    Column("version", Integer, nullable=False),
    # The triage list ("Ready" = state triage), newest first.
    Index("ix_calls_state_received_at", "state", "received_at"),
    # A salesperson's own calls.
    Index("ix_calls_extension", "extension"),
    # A manager's list of every call, newest first.
    Index("ix_calls_received_at_id", "received_at", "id"),
    # Calls waiting for a lead with the caller's number, when such a lead appears.
    Index("ix_calls_caller_number_state", "caller_number", "state"),
)

# Read model of the leads service's leads: just enough to match a caller's number.
known_leads = Table(
    "known_leads",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("phone", String(20)),
    Column("closed", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_known_leads_phone", "phone"),
)
