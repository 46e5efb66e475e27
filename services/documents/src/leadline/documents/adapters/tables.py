"""The documents service's tables: its copy of leads (orders and invoices come next)."""

from sqlalchemy import Boolean, Column, String, Table, Uuid

from leadline.contracts.sql import new_metadata

metadata = new_metadata()

lead_copies = Table(
    "lead_copies",
    metadata,
    Column("lead_id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status_code", String(40), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("salesperson_id", String(100)),
    Column("phone", String(20)),
    Column("email", String(320)),
)
