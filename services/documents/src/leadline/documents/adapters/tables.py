"""The documents service's tables: orders and invoices with their lines and number counters, and the
read models kept from the leads service's events (lead copies, settings, partner and product names)."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from leadline.contracts.platform.idempotency import idempotency_keys_table
from leadline.contracts.platform.sql import UtcDateTime, new_metadata

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
    Column("partner_id", Uuid),
    Column("product_code", String(40)),
    Column("expected_revenue", Numeric(14, 2)),
    Column("currency", String(3)),
    Column("street", String(200)),
    Column("city", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    # Kept when the lead is deleted: its documents still show it, and no new one is made for it.
    Column("deleted", Boolean, nullable=False, default=False),
)

# The leads service's settings as its compacted reference topic says (order_type, invoice_type, ...).
lead_settings = Table(
    "lead_settings",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200)),
)

# Partner names a new document is addressed to, from the partner topic.
partners = Table(
    "partners",
    metadata,
    Column("partner_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
)

# Product names for order lines, from the reference topic.
products = Table(
    "products",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
)

# The last number given per document type and year. Incremented in the transaction that inserts the
# document, so a rolled-back insert gives its number back and concurrent ones queue on the row.
document_counters = Table(
    "document_counters",
    metadata,
    Column("type_code", String(40), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_sequence", Integer, nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("type_code", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("number", String(80), nullable=False),
    Column("lead_id", Uuid, nullable=False),
    Column("partner_id", Uuid),
    Column("partner_name", String(200)),
    Column("street", String(200)),
    Column("city", String(100)),
    Column("postal_code", String(20)),
    Column("country", String(2)),
    Column("currency", String(3)),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("status", String(20), nullable=False),
    Column("document_date", Date, nullable=False),
    Column("order_id", ForeignKey("documents.id")),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("version", Integer, nullable=False),
    # The database refuses a duplicate number even if the counter were bypassed.
    UniqueConstraint("type_code", "year", "sequence", name="uq_documents_type_year_sequence"),
    Index("ix_documents_lead_id", "lead_id"),
    Index("ix_documents_order_id", "order_id"),
    Index("ix_documents_kind_created_at_id", "kind", "created_at", "id"),
)

document_lines = Table(
    "document_lines",
    metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("product_code", String(40)),
    Column("description", String(200), nullable=False),
    Column("amount", Numeric(14, 2), nullable=False),
)

# The Idempotency-Keys of creates and their answers (leadline.contracts.platform.idempotency).
idempotency_keys = idempotency_keys_table(metadata)
