"""What other services link to a lead (calls, e-mails, orders, invoices), as their events say. No I/O here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from leadline.contracts.platform.errors import Conflict

LinkKind = Literal["call", "email", "order", "invoice", "merged_lead"]

COMMUNICATION_KINDS: frozenset[LinkKind] = frozenset({"call", "email"})
DOCUMENT_KINDS: frozenset[LinkKind] = frozenset({"order", "invoice"})
# While one of these is linked, the lead is not one created by mistake and cannot be deleted.
KINDS_THAT_KEEP_A_LEAD = COMMUNICATION_KINDS | DOCUMENT_KINDS
# A merged lead is kept as a link of its survivor, so an item the other services still attach to the
# merged lead (they learn of the merge later) lands on the survivor. It is not a reason to keep a lead.
MERGED_LEAD: LinkKind = "merged_lead"


@dataclass(frozen=True)
class DocumentFacts:
    """What a lead card shows of a linked order or invoice, as the documents service last said."""

    number: str
    document_date: date
    status: str
    type_code: str
    amount: Decimal
    currency: str | None

    @property
    def label(self) -> str:
        money = f"{self.amount:.2f} {self.currency}" if self.currency else f"{self.amount:.2f}"
        return f"{self.number}, {self.document_date:%Y-%m-%d}, {self.status}, {self.type_code}, {money}"


@dataclass(frozen=True)
class LeadLink:
    kind: LinkKind
    item_id: str
    lead_id: UUID
    label: str
    linked_at: datetime
    document: DocumentFacts | None = None  # orders and invoices: the fields, so apps need not parse the label

    @property
    def keeps_lead(self) -> bool:
        return self.kind in KINDS_THAT_KEEP_A_LEAD


def call_label(number: str | None, received_at: datetime | None, call_id: UUID, *, outbound: bool = False) -> str:
    """How a call reads in a lead's card: who called (or, outbound, who was called) and when (UTC)."""
    if number is None or received_at is None:
        return f"Call {call_id}"  # attached by an older communications release, which did not say
    return f"{'to ' if outbound else ''}{number}, {received_at:%Y-%m-%d %H:%M} UTC"


def email_label(sender: str, subject_line: str, sent_at: datetime) -> str:
    """How an e-mail reads in a lead's card: who wrote, about what, when (UTC)."""
    return f"{sender}, {subject_line or '(no subject)'}, {sent_at:%Y-%m-%d %H:%M} UTC"


def written_email_label(to: Sequence[str], subject_line: str, written_at: datetime) -> str:
    """How an e-mail written from the lead reads in its card: to whom, about what, when (UTC)."""
    return f"to {', '.join(to)}, {subject_line or '(no subject)'}, {written_at:%Y-%m-%d %H:%M} UTC"


class LeadHasLinks(Conflict):
    """A lead with calls, e-mails, orders or invoices is not one created by mistake: close it instead."""

    def __init__(self, lead_id: UUID, links: Sequence[LeadLink]) -> None:
        listed = ", ".join(f"{link.kind} {link.label}" for link in links)
        super().__init__(
            f"lead {lead_id} cannot be deleted while items are linked to it ({listed}); close it instead",
            rule="leads_has_links",
            field="links",
            extensions={"links": [{"kind": link.kind, "id": link.item_id, "label": link.label} for link in links]},
        )


def ensure_deletable(lead_id: UUID, links: Sequence[LeadLink]) -> None:
    blocking = [link for link in links if link.keeps_lead]
    if blocking:
        raise LeadHasLinks(lead_id, blocking)
