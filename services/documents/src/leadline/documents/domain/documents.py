"""Sales orders and invoices: how they are filled from a lead, numbered, moved through their statuses and
deleted. Pure rules: no I/O here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Literal
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Conflict, Forbidden, RuleViolation
from leadline.documents.domain.lead_copy import LeadCopy

DocumentKind = Literal["order", "invoice"]

# Which statuses each kind may move to from each status; a status missing as a key is final.
TRANSITIONS: Mapping[DocumentKind, Mapping[str, frozenset[str]]] = {
    "order": {
        "draft": frozenset({"confirmed", "cancelled"}),
        "confirmed": frozenset({"cancelled"}),
    },
    "invoice": {
        "draft": frozenset({"issued", "cancelled"}),
        "issued": frozenset({"paid", "cancelled"}),
    },
}
DRAFT = "draft"
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
# The setting that holds each kind's document type; unset, that kind of document cannot be made.
TYPE_SETTING: Mapping[DocumentKind, str] = {"order": "order_type", "invoice": "invoice_type"}


@dataclass(frozen=True)
class Line:
    product_code: str | None
    description: str
    amount: Decimal


@dataclass(frozen=True)
class DeliveryAddress:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Document:
    id: UUID
    kind: DocumentKind
    type_code: str
    year: int
    sequence: int
    lead_id: UUID
    partner_id: UUID | None
    partner_name: str | None  # as it was when the document was made: a document keeps its buyer
    address: DeliveryAddress
    currency: str | None
    lines: tuple[Line, ...]
    status: str
    document_date: date
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int = 1
    order_id: UUID | None = None  # an invoice made from an order

    @property
    def number(self) -> str:
        return document_number(self.type_code, self.year, self.sequence)

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    def moved_to(self, status: str, by: str, at: datetime) -> Document:
        allowed = TRANSITIONS[self.kind].get(self.status, frozenset())
        if status not in allowed:
            can = f"it can become {', '.join(sorted(allowed))}" if allowed else "that status is final"
            raise Conflict(
                f"{self.kind} {self.number} is {self.status} and cannot become {status}; {can}",
                rule=f"{self.kind}_{self.status}_cannot_become_{status}",
                field="status",
            )
        return replace(self, status=status, updated_by=by, updated_at=at, version=self.version + 1)


def company_date(at: datetime, time_zone: tzinfo) -> date:
    """The date a document made at ``at`` bears: the company's calendar day then, not UTC's (a document made in
    Warsaw at 00:30 on New Year's Day is of the new year, though UTC still says 31 December)."""
    return at.astimezone(time_zone).date()


def document_number(type_code: str, year: int, sequence: int) -> str:
    """e.g. ZS/2026/000042: the type and year make the counter, so the number names both."""
    return f"{type_code}/{year}/{sequence:06d}"


def document_type(kind: DocumentKind, settings: Mapping[str, str | None]) -> str:
    """The type a new document of ``kind`` gets: the setting, which must be set."""
    type_code = settings.get(TYPE_SETTING[kind])
    if not type_code:
        raise RuleViolation(
            f"no {kind} can be made until a manager sets the {TYPE_SETTING[kind]} setting",
            rule=f"{TYPE_SETTING[kind]}_not_set",
            field=TYPE_SETTING[kind],
        )
    return type_code


def ensure_may_work_on(lead: LeadCopy | None, user: Principal) -> None:
    """A salesperson makes and handles the documents of their own leads (the lead's salesperson now);
    a manager those of every lead."""
    if not user.is_manager and (lead is None or lead.salesperson_id != user.user_id):
        raise Forbidden(
            "a salesperson makes and handles orders and invoices only of their own leads",
            rule="not_your_lead",
            field="lead_id",
        )


def ensure_lead_not_deleted(lead: LeadCopy) -> None:
    """No document is made for a deleted lead: it would belong to nothing."""
    if lead.deleted:
        raise Conflict(
            f"lead {lead.name!r} was deleted; no order or invoice is made for it any more",
            rule="lead_deleted",
            field="lead_id",
        )


def settled_with_deleted_lead(document: Document, by: str, at: datetime) -> Document | None:
    """What becomes of a document whose lead was deleted after it was made: a draft nobody used is cancelled (its
    number stays taken); anything further along is a record of its own and stays as it is, for a person to
    decide, its lead shown as deleted. None: it stays."""
    if document.status != DRAFT:
        return None
    return document.moved_to(CANCELLED, by=by, at=at)


def lines_from_lead(lead: LeadCopy, product_name: str | None) -> tuple[Line, ...]:
    """One line for the lead's product, worth the expected revenue; none without a product."""
    if lead.product_code is None:
        return ()
    return (Line(lead.product_code, product_name or lead.product_code, lead.expected_revenue or Decimal("0")),)


@dataclass(frozen=True)
class NewDocument:
    """What is known of a document before it gets its number."""

    id: UUID
    kind: DocumentKind
    type_code: str
    lead_id: UUID
    partner_id: UUID | None
    partner_name: str | None
    address: DeliveryAddress
    currency: str | None
    lines: tuple[Line, ...]
    created_by: str
    created_at: datetime
    document_date: date  # the company's date at created_at: it also names the year the number counts in
    order_id: UUID | None = None

    @property
    def year(self) -> int:
        return self.document_date.year

    def numbered(self, sequence: int) -> Document:
        return Document(
            id=self.id,
            kind=self.kind,
            type_code=self.type_code,
            year=self.year,
            sequence=sequence,
            lead_id=self.lead_id,
            partner_id=self.partner_id,
            partner_name=self.partner_name,
            address=self.address,
            currency=self.currency,
            lines=self.lines,
            status=DRAFT,
            document_date=self.document_date,
            created_by=self.created_by,
            created_at=self.created_at,
            updated_by=self.created_by,
            updated_at=self.created_at,
            order_id=self.order_id,
        )


@dataclass(frozen=True)
class Names:
    """What the lead refers to by id or code, named as the leads service's events last said."""

    partner: str | None = None
    product: str | None = None


def from_lead(
    document_id: UUID,
    kind: DocumentKind,
    type_code: str,
    lead: LeadCopy,
    names: Names,
    by: str,
    at: datetime,
    time_zone: tzinfo,
) -> NewDocument:
    return NewDocument(
        id=document_id,
        kind=kind,
        type_code=type_code,
        lead_id=lead.lead_id,
        partner_id=lead.partner_id,
        partner_name=names.partner,
        address=DeliveryAddress(lead.street, lead.city, lead.postal_code, lead.country),
        currency=lead.currency,
        lines=lines_from_lead(lead, names.product),
        created_by=by,
        created_at=at,
        document_date=company_date(at, time_zone),
    )


def invoice_from_order(
    invoice_id: UUID,
    type_code: str,
    order: Document,
    live_invoices: Sequence[Document],
    by: str,
    at: datetime,
    time_zone: tzinfo,
) -> NewDocument:
    """An invoice for an order: its lead, partner, address and lines, linked to it. Only a confirmed order is
    invoiced, and once: ``live_invoices`` (those of the order not cancelled) must be none."""
    if order.kind != "order":
        raise RuleViolation(f"{order.number} is not an order", rule="not_an_order", field="order_id")
    if order.status != CONFIRMED:
        raise Conflict(
            f"order {order.number} is {order.status}; only a confirmed order can be invoiced",
            rule="order_not_confirmed",
            field="status",
        )
    if live_invoices:
        raise Conflict(
            f"order {order.number} is invoiced already ({_listed(live_invoices)}); "
            "a new invoice can be made only once that one is cancelled",
            rule="order_already_invoiced",
            field="invoices",
        )
    return NewDocument(
        id=invoice_id,
        kind="invoice",
        type_code=type_code,
        lead_id=order.lead_id,
        partner_id=order.partner_id,
        partner_name=order.partner_name,
        address=order.address,
        currency=order.currency,
        lines=order.lines,
        created_by=by,
        created_at=at,
        document_date=company_date(at, time_zone),
        order_id=order.id,
    )


def ensure_order_may_be_cancelled(order: Document, live_invoices: Sequence[Document]) -> None:
    """An order whose invoice stands (draft, issued or paid) is not cancelled: the invoice would bill an order
    nobody wants any more. The invoice is cancelled (or, as a draft, deleted) first."""
    if live_invoices:
        raise Conflict(
            f"order {order.number} has an invoice that is not cancelled ({_listed(live_invoices)}); "
            "cancel that invoice first",
            rule="order_invoiced",
            field="invoices",
        )


def _listed(documents: Sequence[Document]) -> str:
    return ", ".join(f"{document.number} {document.status}" for document in documents)


def ensure_deletable(document: Document, invoiced: bool) -> None:
    """Only a draft never used can be deleted: an order nothing was invoiced from (only confirmed orders are
    invoiced now, but earlier releases invoiced drafts too), an invoice never issued. Anything else is cancelled
    instead, so what others saw keeps its number and history."""
    if document.status != DRAFT:
        raise Conflict(
            f"{document.kind} {document.number} is {document.status}; only a draft can be deleted, cancel it instead",
            rule=f"{document.kind}_not_draft",
            field="status",
        )
    if invoiced:
        raise Conflict(
            f"an invoice was made from order {document.number}; cancel the order instead",
            rule="order_invoiced",
            field="invoices",
        )
