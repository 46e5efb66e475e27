"""Events of the documents context: sales orders (``leadline.documents.order``) and invoices
(``leadline.documents.invoice``), keyed by the document's id.

Created and status-changed events carry the whole summary a lead card shows (number, date, status,
type, amount), so a consumer keeps its view from the latest event alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from pydantic import Field

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.topics import INVOICE, ORDER


class DocumentSummary(Event):
    """What a lead card shows of an order or invoice, as it is now."""

    lead_id: UUID = Field(description="The lead the document was made from (the survivor after a merge).")
    number: str = Field(
        description="<type>/<year>/<sequence>: issued without gaps, unique per type and year, never issued again."
    )
    type_code: str = Field(description="The document type: the order_type or invoice_type setting when made.")
    document_date: date = Field(description="The company's date (its time zone) when the document was made.")
    status: str
    amount: Decimal = Field(description="Sum of the lines, in `currency`; a decimal string.")
    currency: str | None = Field(description="ISO 4217; null when the lead had none.")
    created_at: datetime


class OrderCreatedV1(DocumentSummary, type="leadline.documents.order.created.v1", topic=ORDER, subject="order_id"):
    """A sales order was made from a lead, as a draft."""

    order_id: UUID
    partner_id: UUID | None
    created_by: str


class OrderStatusChangedV1(
    DocumentSummary, type="leadline.documents.order.status_changed.v1", topic=ORDER, subject="order_id"
):
    """An order was confirmed or cancelled."""

    order_id: UUID
    from_status: str = Field(examples=["draft"])
    changed_by: str
    changed_at: datetime


class OrderDeletedV1(Event, type="leadline.documents.order.deleted.v1", topic=ORDER, subject="order_id"):
    """A draft order nothing was made from was deleted. Its number is not given again: it stays unused."""

    order_id: UUID
    lead_id: UUID
    number: str
    deleted_by: str
    deleted_at: datetime


class InvoiceCreatedV1(
    DocumentSummary, type="leadline.documents.invoice.created.v1", topic=INVOICE, subject="invoice_id"
):
    """An invoice was made from a lead, or from one of its orders, as a draft."""

    invoice_id: UUID
    order_id: UUID | None = Field(description="The order it was made from, if any.")
    partner_id: UUID | None
    created_by: str


class InvoiceStatusChangedV1(
    DocumentSummary, type="leadline.documents.invoice.status_changed.v1", topic=INVOICE, subject="invoice_id"
):
    """An invoice was issued, paid or cancelled."""

    invoice_id: UUID
    from_status: str = Field(examples=["issued"])
    changed_by: str
    changed_at: datetime


class InvoiceDeletedV1(Event, type="leadline.documents.invoice.deleted.v1", topic=INVOICE, subject="invoice_id"):
    """A draft invoice, never issued, was deleted. Its number is not given again: it stays unused."""

    invoice_id: UUID
    lead_id: UUID
    number: str
    deleted_by: str
    deleted_at: datetime
