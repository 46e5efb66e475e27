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
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from leadline.contracts.platform.messaging.consumer import EventHandler, Together
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAnsweredV1,
    CallAttachedV1,
    CallDetachedV1,
    CallEndedV1,
    CallMovedV1,
    CallRecordingAvailableV1,
    CallRegisteredV1,
    DocumentSummary,
    EmailAttachedV1,
    EmailRegisteredV1,
    EmailWrittenV1,
    Event,
)
from leadline.leads.domain.links import (
    DocumentFacts,
    LeadLink,
    LinkKind,
    call_label,
    email_label,
    written_email_label,
)
from leadline.leads.domain.model import FieldChange
from leadline.leads.service.unit_of_work import AbstractUnitOfWork

log = logging.getLogger(__name__)


CommunicationEvent = (
    CallRegisteredV1
    | CallAttachedV1
    | CallMovedV1
    | CallAnsweredV1
    | CallEndedV1
    | CallRecordingAvailableV1
    | EmailRegisteredV1
    | EmailAttachedV1
)
# The events that say what the PBX reported of a call, as communications' intake knows it now: the latest is all of it.
_CALL_FACTS = (CallRegisteredV1, CallAnsweredV1, CallEndedV1, CallRecordingAvailableV1)


async def communications_linked(uow: AbstractUnitOfWork, events: Sequence[tuple[CommunicationEvent, Envelope]]) -> None:
    """Calls and e-mails communications attached to leads, a batch at a time: on arrival (matched by number,
    thread or sender) or later (by a person, or once their lead appeared), or moved from another lead. One left in
    triage waits. And what the PBX reported of each call, for the cards of the leads it is (or will be) linked to."""
    await uow.call_facts.put_all(
        {str(event.call_id): event.call for event, _ in events if isinstance(event, _CALL_FACTS) and event.call}
    )
    await _link_all(uow, [link for event, _ in events if (link := _communication_link(event)) is not None])
    for event, _ in events:
        if isinstance(event, CallMovedV1):
            await _moved(uow, event)


def _communication_link(event: CommunicationEvent) -> LeadLink | None:
    match event:
        case CallRegisteredV1(state="attached", lead_id=UUID() as lead_id):
            return _call(event, lead_id, linked_at=event.received_at)
        case CallAttachedV1():
            return _call(event, event.lead_id, linked_at=event.attached_at)
        case CallMovedV1():
            return _call(event, event.lead_id, linked_at=event.moved_at)
        case EmailRegisteredV1(state="attached", lead_id=UUID() as lead_id):
            return _email(event, lead_id, linked_at=event.sent_at)
        case EmailAttachedV1():
            return _email(event, event.lead_id, linked_at=event.attached_at)
    return None


def _call(event: CallRegisteredV1 | CallAttachedV1 | CallMovedV1, lead_id: UUID, *, linked_at: datetime) -> LeadLink:
    facts = event.call
    number = facts.contact_number if facts else event.caller_number
    label = call_label(
        number, event.received_at, event.call_id, outbound=facts is not None and facts.direction == "outbound"
    )
    return LeadLink("call", str(event.call_id), lead_id, label, linked_at)


async def _moved(uow: AbstractUnitOfWork, event: CallMovedV1) -> None:
    """Both leads' histories say a call was moved, wrongly attached to the one and now to the other."""
    label = _call(event, event.lead_id, linked_at=event.moved_at).label
    existing = await uow.leads.existing({event.from_lead_id, event.lead_id})
    lines = (
        (event.from_lead_id, "call_moved_out", FieldChange("calls", label, f"moved to lead {event.lead_id}")),
        (event.lead_id, "call_moved_in", FieldChange("calls", f"moved from lead {event.from_lead_id}", label)),
    )
    for lead_id, action, change in lines:
        if lead_id in existing:
            await uow.history.record(lead_id, action=action, by=event.moved_by, at=event.moved_at, changes=[change])


async def call_detached(uow: AbstractUnitOfWork, event: CallDetachedV1, envelope: Envelope) -> None:
    """A call taken off the lead it was wrongly attached to: unlinked, and the lead's history says so."""
    link = await uow.links.get("call", str(event.call_id))
    await uow.links.remove("call", str(event.call_id))
    if event.lead_id in await uow.leads.existing({event.lead_id}):
        change = FieldChange("calls", link.label if link else str(event.call_id), None)
        await uow.history.record(
            event.lead_id, action="call_detached", by=event.detached_by, at=event.detached_at, changes=[change]
        )


def _email(event: EmailRegisteredV1 | EmailAttachedV1, lead_id: UUID, *, linked_at: datetime) -> LeadLink:
    label = email_label(event.sender, event.subject_line, event.sent_at)
    return LeadLink("email", str(event.email_id), lead_id, label, linked_at)


def documents_linked(kind: LinkKind) -> Together:
    """Orders or invoices made, or their status changed: the link's label shows each as it is now."""

    async def link_documents(uow: AbstractUnitOfWork, events: Sequence[tuple[DocumentSummary, Envelope]]) -> None:
        links = []
        for event, _ in events:
            facts = DocumentFacts(
                event.number, event.document_date, event.status, event.type_code, event.amount, event.currency
            )
            links.append(LeadLink(kind, event.subject, event.lead_id, facts.label, event.created_at, facts))
        await _link_all(uow, links)

    return Together(link_documents)


def document_unlinked(kind: LinkKind) -> EventHandler:
    """A deleted draft no longer keeps its lead."""

    async def unlink_document(uow: AbstractUnitOfWork, event: Event, envelope: Envelope) -> None:
        await uow.links.remove(kind, event.subject)

    return unlink_document


def communication_returned(kind: LinkKind) -> EventHandler:
    """A call or an e-mail is back in triage (its lead was deleted, or the lead it asked for never came)."""

    async def unlink_communication(uow: AbstractUnitOfWork, event: Event, envelope: Envelope) -> None:
        await uow.links.remove(kind, event.subject)

    return unlink_communication


async def email_written(uow: AbstractUnitOfWork, event: EmailWrittenV1, envelope: Envelope) -> None:
    """An e-mail written from the lead (in communications) is linked to it, and its history says who wrote to whom."""
    label = written_email_label(event.to, event.subject_line, event.written_at)
    for link in await _link_all(uow, [LeadLink("email", str(event.email_id), event.lead_id, label, event.written_at)]):
        changes = [
            FieldChange("email_to", None, ", ".join(event.to)),
            FieldChange("email_subject", None, event.subject_line),
        ]
        await uow.history.record(
            link.lead_id, action="email_written", by=event.written_by, at=event.written_at, changes=changes
        )


async def _link_all(uow: AbstractUnitOfWork, links: Sequence[LeadLink]) -> list[LeadLink]:
    """Other services learn of a merge or a delete after the fact, so an item may arrive for a lead that
    is gone: a merged lead's item goes to its survivor; a deleted lead's has nothing to go to (its owner takes
    it back when it reads the deletion). The leads linked to are held until the commit."""
    lead_ids = {link.lead_id for link in links}
    existing = await uow.leads.existing(lead_ids)
    survivors = await uow.links.survivors_of(lead_ids - existing) if lead_ids - existing else {}
    existing |= await uow.leads.existing(set(survivors.values())) if survivors else set()
    kept = []
    for link in links:
        if link.lead_id in existing:
            kept.append(link)
        elif survivors.get(link.lead_id) in existing:
            kept.append(replace(link, lead_id=survivors[link.lead_id]))
        else:
            log.info("%s %s is linked to lead %s, which no longer exists", link.kind, link.item_id, link.lead_id)
    await uow.links.put_all(kept)
    return kept
