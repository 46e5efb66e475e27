"""What the other services link to leads (calls, e-mails, orders, invoices), kept from their events: the lead card
lists these items, and a lead with any of them cannot be deleted.

No item is left linked to a lead that does not exist, whatever order events come in (Kafka keeps order only per
key within a topic). Each service owns its links, and it is the owner that keeps them true:

- leads deletes only a lead it knows nothing linked to. Linking holds the lead (a shared row lock) and deleting
  locks it first, so a link written here and a delete never pass each other unseen.
- An item linked by its owner after leads decided to delete (its event still on the way) reaches leads when the lead
  is gone: leads drops the link (a merged lead's goes to its survivor). The owner reacts to LeadDeletedV1, which
  comes after every earlier event of that lead: communications returns the lead's calls and e-mails to triage and
  announces it (CallReturnedToTriageV1, EmailReturnedToTriageV1, which unlink them here); documents cancels the
  lead's drafts and marks the rest, and makes no new document for it. From that event on, the owner links nothing
  to the lead: it marks the lead gone first, under the same kind of lock its links take.
- A merge travels keyed by the merged lead, a delete of the survivor by the survivor: either may come first, and
  the owner treats what follows a gone survivor like the survivor's own items.

A compensating "link refused" event from leads would add nothing: the owner learns the same from LeadDeletedV1,
which it reads in order with the lead's other events, while a refusal would race the link on another topic."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from leadline.contracts.envelope import Envelope
from leadline.contracts.events import (
    CallAttachedV1,
    CallRegisteredV1,
    DocumentSummary,
    EmailAttachedV1,
    EmailRegisteredV1,
    Event,
)
from leadline.contracts.messaging.consumer import EventHandler
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.links import DocumentFacts, LeadLink, LinkKind, call_label, email_label

log = logging.getLogger(__name__)


async def call_registered(uow: LeadsUnitOfWork, event: CallRegisteredV1, envelope: Envelope) -> None:
    """A call communications matched to a lead on arrival; one left in triage is linked once attached."""
    if event.state == "attached" and event.lead_id is not None:
        await _link(uow, _call(event, event.lead_id, linked_at=event.received_at))


async def call_attached(uow: LeadsUnitOfWork, event: CallAttachedV1, envelope: Envelope) -> None:
    await _link(uow, _call(event, event.lead_id, linked_at=event.attached_at))


async def email_registered(uow: LeadsUnitOfWork, event: EmailRegisteredV1, envelope: Envelope) -> None:
    """An e-mail communications matched to a lead on arrival (by thread or sender); one in triage waits."""
    if event.state == "attached" and event.lead_id is not None:
        await _link(uow, _email(event, event.lead_id, linked_at=event.sent_at))


async def email_attached(uow: LeadsUnitOfWork, event: EmailAttachedV1, envelope: Envelope) -> None:
    await _link(uow, _email(event, event.lead_id, linked_at=event.attached_at))


def _call(event: CallRegisteredV1 | CallAttachedV1, lead_id: UUID, *, linked_at: datetime) -> LeadLink:
    label = call_label(event.caller_number, event.received_at, event.call_id)
    return LeadLink("call", str(event.call_id), lead_id, label, linked_at)


def _email(event: EmailRegisteredV1 | EmailAttachedV1, lead_id: UUID, *, linked_at: datetime) -> LeadLink:
    label = email_label(event.sender, event.subject_line, event.sent_at)
    return LeadLink("email", str(event.email_id), lead_id, label, linked_at)


def document_linked(kind: LinkKind) -> EventHandler:
    """An order or invoice made, or its status changed: the link's label shows it as it is now."""

    async def link_document(uow: LeadsUnitOfWork, event: DocumentSummary, envelope: Envelope) -> None:
        facts = DocumentFacts(
            event.number, event.document_date, event.status, event.type_code, event.amount, event.currency
        )
        await _link(uow, LeadLink(kind, event.subject, event.lead_id, facts.label, event.created_at, facts))

    return link_document


def document_unlinked(kind: LinkKind) -> EventHandler:
    """A deleted draft no longer keeps its lead."""

    async def unlink_document(uow: LeadsUnitOfWork, event: Event, envelope: Envelope) -> None:
        await uow.links.remove(kind, event.subject)

    return unlink_document


def communication_returned(kind: LinkKind) -> EventHandler:
    """A call or an e-mail is back in triage (its lead was deleted, or the lead it asked for never came)."""

    async def unlink_communication(uow: LeadsUnitOfWork, event: Event, envelope: Envelope) -> None:
        await uow.links.remove(kind, event.subject)

    return unlink_communication


async def _link(uow: LeadsUnitOfWork, link: LeadLink) -> None:
    """Other services learn of a merge or a delete after the fact, so an item may arrive for a lead that
    is gone: a merged lead's item goes to its survivor; a deleted lead's has nothing to go to (its owner takes
    it back when it reads the deletion). The lead linked to is held until the commit."""
    if not await uow.leads.held(link.lead_id):
        survivor_id = await uow.links.survivor_of(link.lead_id)
        if survivor_id is None or not await uow.leads.held(survivor_id):
            log.info("%s %s is linked to lead %s, which no longer exists", link.kind, link.item_id, link.lead_id)
            return
        link = replace(link, lead_id=survivor_id)
    await uow.links.put(link)
