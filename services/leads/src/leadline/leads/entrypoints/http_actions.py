"""HTTP API for what ends a lead (lost, delete, merge) and for the lead card. Thin: parse, call a use case,
commit, answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from leadline.contracts.events import CallFacts
from leadline.contracts.http import (
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    STALE_RESPONSES,
    CurrentUser,
    Problem,
    current_user,
    expected_version,
    unit_of_work,
    version_etag,
)
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import LeadLink
from leadline.leads.domain.model import ReferenceData
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.history import HistoryEntry
from leadline.leads.entrypoints.http import LeadOut
from leadline.leads.entrypoints.http_contacts import ContactOut
from leadline.leads.entrypoints.http_deals import DealOut
from leadline.leads.service import card, lifecycle
from leadline.leads.service.commands import DeleteLead, MarkLost, MergeLeads

UnitOfWork = Annotated[LeadsUnitOfWork, Depends(unit_of_work)]
IfMatch = Annotated[str | None, Header(description="The lead's ETag; a stale one is refused with 412")]

router = APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES, tags=["leads"])


class LostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"lost_reason_code": "competitor"}]})

    lost_reason_code: str = Field(min_length=1, max_length=40, description="A lost reason that is not archived.")


class MergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"merged_lead_id": "0b8a3f0e-8f1b-4c1e-9a52-3f2d1c0b9e77"}]}
    )

    merged_lead_id: UUID = Field(description="The lead that goes away; its items move to the lead in the path.")
    merged_lead_version: StrictInt | None = Field(
        default=None,
        description="The merged lead's version (its ETag without quotes), as If-Match is the survivor's: a merge "
        "of a lead changed meanwhile is refused with 412.",
    )


class LinkedItem(BaseModel):
    kind: str = Field(examples=["call", "email", "order", "invoice"])
    id: str = Field(description="The item's id in the service that owns it.")
    label: str = Field(examples=["+48601234567, 2026-03-02 09:30 UTC"])


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


class LinkedItemsProblem(Problem):
    links: list[LinkedItem] = Field(description="What keeps the lead: unlink it, or close the lead instead.")


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


@router.post(
    "/leads/{lead_id}/lost",
    response_model=LeadOut,
    summary="Mark an open lead lost, with a reason",
    responses=STALE_RESPONSES,
)
async def mark_lost(
    lead_id: UUID, body: LostIn, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: IfMatch = None
) -> LeadOut:
    async with uow:
        lead = await lifecycle.mark_lost(
            uow, MarkLost(lead_id, body.lost_reason_code, expected_version(if_match)), user
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.delete(
    "/leads/{lead_id}",
    status_code=204,
    summary="Delete a lead created by mistake",
    description="Refused with 409 (rule `leads_has_links`) and the linked items while calls, e-mails, orders or "
    "invoices are linked to the lead: close it instead. The lead's history is kept.",
    responses={
        409: {"model": LinkedItemsProblem, "content": {PROBLEM_JSON: {}}, "description": "Items are linked"},
        **STALE_RESPONSES,
    },
)
async def delete_lead(lead_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: IfMatch = None) -> Response:
    async with uow:
        await lifecycle.delete_lead(uow, DeleteLead(lead_id, expected_version(if_match)), user)
        await uow.commit()
    return Response(status_code=204)


@router.post(
    "/leads/{survivor_id}/merge",
    response_model=LeadOut,
    summary="Merge another lead into this one (managers)",
    description="This lead keeps its own values; the other lead's calls, e-mails, documents, deals, tags and "
    "history move to it, and the other lead is removed.",
    responses=STALE_RESPONSES,
)
async def merge_leads(
    survivor_id: UUID, body: MergeIn, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: IfMatch = None
) -> LeadOut:
    async with uow:
        lead = await lifecycle.merge_leads(
            uow,
            MergeLeads(survivor_id, body.merged_lead_id, expected_version(if_match), body.merged_lead_version),
            user,
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.get(
    "/leads/{lead_id}/card", response_model=LeadCardOut, summary="The lead card: all of a lead, and its actions"
)
async def lead_card(lead_id: UUID, user: CurrentUser, uow: UnitOfWork, response: Response) -> LeadCardOut:
    async with uow:
        found = await card.lead_card(uow, lead_id, user)
    response.headers["ETag"] = version_etag(found.lead.version)
    return LeadCardOut(
        **LeadOut.of(found.lead).model_dump(),
        partner=PartnerSummaryOut.model_validate(found.partner, from_attributes=True) if found.partner else None,
        history=[HistoryEntry.model_validate(dict(entry)) for entry in found.history],
        communications=[
            CommunicationLinkOut(**LinkOut.of(link).model_dump(), call=found.call_facts.get(link.item_id))
            for link in found.communications
        ],
        documents=[DocumentLinkOut.of(link) for link in found.documents],
        deals=[CardDealOut.shown(deal, found.reference) for deal in found.deals],
        contact=ContactOut.of(found.contact) if found.contact else None,
        actions=CardActionsOut.model_validate(found.actions, from_attributes=True),
    )
