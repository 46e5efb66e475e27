"""HTTP API of the lead card: all of a lead, what is linked to it, and which of its actions the user may take.
Thin: call, answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import CurrentUser, signed_in_router, version_etag
from leadline.contracts.wire.events import CallFacts
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import LeadLink
from leadline.leads.domain.model import ReferenceData
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.history import HistoryEntry
from leadline.leads.entrypoints.http_contacts import ContactOut
from leadline.leads.entrypoints.http_deals import DealOut
from leadline.leads.entrypoints.http_leads import LeadOut, LinkedItem
from leadline.leads.service import card

router = signed_in_router(tags=["leads"])


class LinkOut(LinkedItem):
    linked_at: datetime

    @classmethod
    def of(cls, link: LeadLink) -> LinkOut:
        return cls(kind=link.kind, id=link.item_id, label=link.label, linked_at=link.linked_at)


class CommunicationLinkOut(LinkOut):
    call: CallFacts | None = Field(
        description="A call's direction, how far it got, how it ended, its talk time and its recording, as the PBX "
        "reported them; null for an e-mail (and for a call communications said nothing of yet)."
    )


class DocumentFieldsOut(BaseModel):
    """What the card shows of an order or invoice."""

    number: str = Field(examples=["ZS/2026/000042"])
    document_date: date
    status: str = Field(examples=["draft", "confirmed", "issued", "paid", "cancelled"])
    type_code: str = Field(examples=["ZS"])
    amount: Decimal = Field(examples=["125000.00"])
    currency: str | None = Field(examples=["PLN"])


class DocumentLinkOut(LinkOut):
    document: DocumentFieldsOut | None = Field(description="Null only for a link older than these fields.")

    @classmethod
    def of(cls, link: LeadLink) -> DocumentLinkOut:
        document = DocumentFieldsOut.model_validate(link.document, from_attributes=True) if link.document else None
        return cls(**LinkOut.of(link).model_dump(), document=document)


class ActionOut(BaseModel):
    allowed: bool
    reason: str | None = Field(
        description="Why not, when not allowed.", examples=["the order type parameter is not set"]
    )


class CardActionsOut(BaseModel):
    lost: ActionOut
    create_order: ActionOut
    create_invoice: ActionOut
    write_email: ActionOut


class PartnerSummaryOut(BaseModel):
    id: UUID
    name: str
    tax_id: str | None
    contact_person: str | None
    phone: str | None
    email: str | None
    city: str | None
    country: str | None


class CardDealOut(DealOut):
    pipeline_name: str
    stage_name: str

    @classmethod
    def shown(cls, deal: Deal, reference: ReferenceData) -> CardDealOut:
        return cls(
            **DealOut.of(deal).model_dump(),
            pipeline_name=reference.shown("pipeline", deal.pipeline_code).name,
            stage_name=reference.shown("stage", deal.stage_code).name,
        )


class LeadCardOut(LeadOut):
    """Every field of the lead, and what its card shows besides."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.CARD]})

    partner: PartnerSummaryOut | None
    history: list[HistoryEntry]
    communications: list[CommunicationLinkOut] = Field(description="Linked calls and e-mails, oldest first.")
    documents: list[DocumentLinkOut] = Field(description="Linked orders and invoices, oldest first.")
    deals: list[CardDealOut] = Field(description="Its deals, each with the names of its pipeline and stage.")
    contact: ContactOut | None = Field(description="The partner's contact person the lead names (contact_id).")
    actions: CardActionsOut = Field(description="Show or hide each button from `allowed`; `reason` says why not.")


@router.get(
    "/leads/{lead_id}/card", response_model=LeadCardOut, summary="The lead card: all of a lead, and its actions"
)
async def get_lead_card(lead_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response) -> LeadCardOut:
    async with uow:
        found = await card.lead_card(uow, lead_id, user)
    response.headers["ETag"] = version_etag(found.lead.version)
    return LeadCardOut(
        **LeadOut.of(found.lead).model_dump(),
        partner=PartnerSummaryOut.model_validate(found.partner, from_attributes=True) if found.partner else None,
        history=[HistoryEntry.model_validate(entry, from_attributes=True) for entry in found.history],
        communications=[
            CommunicationLinkOut(**LinkOut.of(link).model_dump(), call=found.call_facts.get(link.item_id))
            for link in found.communications
        ],
        documents=[DocumentLinkOut.of(link) for link in found.documents],
        deals=[CardDealOut.shown(deal, found.reference) for deal in found.deals],
        contact=ContactOut.of(found.contact) if found.contact else None,
        actions=CardActionsOut.model_validate(found.actions, from_attributes=True),
    )
