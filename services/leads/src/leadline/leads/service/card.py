"""The lead card: everything a sales app shows of one lead, and which actions the user may take on it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.wire.events import CallFacts
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.card import CardActions, available_actions
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import COMMUNICATION_KINDS, DOCUMENT_KINDS, LeadLink
from leadline.leads.domain.model import HistoryEntry, Lead, ReferenceData
from leadline.leads.domain.reference import Partner
from leadline.leads.service.use_cases import get_lead


@dataclass(frozen=True)
class LeadCard:
    lead: Lead
    partner: Partner | None
    history: list[HistoryEntry]
    communications: list[LeadLink]  # calls and e-mails
    call_facts: dict[str, CallFacts]  # of the calls among them, by call id
    documents: list[LeadLink]  # orders and invoices
    deals: list[Deal]
    contact: Contact | None  # the partner's contact person the lead names
    reference: ReferenceData  # what the card names by code (a deal's pipeline and stage)
    actions: CardActions


async def lead_card(uow: LeadsUnitOfWork, lead_id: UUID, user: Principal) -> LeadCard:
    lead = await get_lead(uow, lead_id)
    links = await uow.links.of(lead.id)
    communications = [link for link in links if link.kind in COMMUNICATION_KINDS]
    reference = await uow.reference.load()
    return LeadCard(
        lead=lead,
        partner=await uow.partners.get(lead.partner_id) if lead.partner_id else None,
        history=await uow.history.of(lead.id),
        communications=communications,
        call_facts=await uow.call_facts.of([link.item_id for link in communications if link.kind == "call"]),
        documents=[link for link in links if link.kind in DOCUMENT_KINDS],
        deals=await uow.deals.of(lead.id),
        contact=await uow.contacts.get(lead.contact_id) if lead.contact_id else None,
        reference=reference,
        actions=available_actions(lead, user, reference, await uow.settings.all()),
    )
