"""HTTP API of single leads: create, read, change, move to another status, delete, and their history. Thin:
parse, call a use case, commit, answer."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Self
from uuid import UUID

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictInt

from leadline.contracts.platform.fields import Day, OffsetDatetime, not_null
from leadline.contracts.platform.http import (
    PROBLEM_JSON,
    STALE_RESPONSES,
    CurrentUser,
    Problem,
    expected_version,
    json_answer,
    runtime_of,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.model import Lead
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import LeadIfMatch, UnitOfWork
from leadline.leads.entrypoints.fields import CodeRef
from leadline.leads.entrypoints.history import HistoryEntry
from leadline.leads.entrypoints.http_deals import DealIn, DealOut
from leadline.leads.service import lifecycle, use_cases
from leadline.leads.service.commands import ChangeStatus, CreateLead, DeleteLead, EditLead

router = signed_in_router(tags=["leads"])


class LeadFields(BaseModel):
    """The fields a sales app sets on a lead; every one optional, so the same shape serves PATCH. Null clears a
    field where a lead may lack it; the others (name, type, status, currency, lead date) are not nullable."""

    model_config = ConfigDict(extra="forbid")

    name: str = not_null(max_length=200, description="Taken from the product when left out.")
    type_code: CodeRef = not_null(description="Default on create: sale.")
    status_code: CodeRef = not_null(description="Default on create: the type's first open status.")
    salesperson_id: str | None = Field(default=None, max_length=100, description="Default on create: you.")
    partner_id: UUID | None = None
    product_code: CodeRef | None = None
    priority_code: CodeRef | None = None
    source_code: CodeRef | None = None
    campaign_code: CodeRef | None = None
    channel_code: CodeRef | None = None
    tags: list[CodeRef] | None = Field(default=None, max_length=50, description="Tag codes.")
    expected_revenue: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    currency: str = not_null(pattern="^[A-Z]{3}$", description="ISO 4217, e.g. PLN. Default on create: the setting.")
    probability: StrictInt | None = Field(default=None, description="Percent, 0 to 100.")
    expected_close: Day | None = None
    phone: str | None = Field(default=None, max_length=50, description="Any format; stored in E.164.")
    email: EmailStr | None = None
    website: str | None = Field(default=None, max_length=300)
    contact_person: str | None = Field(default=None, max_length=200)
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")
    description: str | None = Field(
        default=None, max_length=10_000, description="What the customer needs, what was done."
    )
    lead_date: OffsetDatetime = not_null(description="With its UTC offset. Default on create: now.")
    next_step: str | None = Field(default=None, max_length=500, description="What is to be done next.")
    next_step_at: OffsetDatetime | None = Field(
        default=None,
        description="When the next step comes due, with its UTC offset: the kanban card flags it once past, and "
        "GET /leads/routine/next-steps-due lists it.",
    )
    contact_id: UUID | None = Field(
        default=None, description="One of the partner's contact persons (GET /partners/{partner_id}/contacts)."
    )


class LeadIn(LeadFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Fit-out of the Wrocław office",
                    "type_code": "sale",
                    "phone": "+48 601 234 567",
                    "email": "jan.kowalski@example.com",
                    "expected_revenue": "125000.00",
                    "currency": "PLN",
                    "probability": 40,
                    "expected_close": "2027-02-28",
                    "next_step": "Send the quote",
                    "next_step_at": "2027-01-12T10:00:00+01:00",
                    "deal": {"name": "Desks", "pipeline_code": "sales", "stage_code": "discovery", "value": "98000.00"},
                }
            ]
        },
    )

    deal: DealIn | None = Field(
        default=None,
        description="The lead's first deal, made with it: one transaction, one history entry, the events of both. A "
        "refusal names its field as `deal.<field>`.",
    )

    def command(self) -> CreateLead:
        fields = self.model_dump(exclude_unset=True, exclude={"deal"})
        return CreateLead(fields, self.deal.new_deal() if self.deal else None)


class LeadPatch(LeadFields):
    """Only the fields present change; null clears a field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"probability": 60, "description": "Site visit on Monday"}]}
    )


class StatusChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status_code": "qualification"}]},
    )

    status_code: str = Field(min_length=1, max_length=40)


class ContactPointOut(BaseModel):
    kind: Literal["phone", "email"]
    value: str = Field(description="E.164 for a phone, lower case for an e-mail address.")
    from_lead_id: UUID = Field(description="The lead merged into this one that it was the contact of.")


class LinkedItem(BaseModel):
    kind: str = Field(examples=["call", "email", "order", "invoice"])
    id: str = Field(description="The item's id in the service that owns it.")
    label: str = Field(examples=["+48601234567, 2026-03-02 09:30 UTC"])


class LinkedItemsProblem(Problem):
    links: list[LinkedItem] = Field(description="What keeps the lead: unlink it, or close the lead instead.")


class LeadOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LEAD]})

    id: UUID
    name: str
    type_code: str
    status_code: str
    closed: bool
    status_since: datetime
    salesperson_id: str | None
    partner_id: UUID | None
    product_code: str | None
    priority_code: str | None
    source_code: str | None
    campaign_code: str | None
    channel_code: str | None
    lost_reason_code: str | None
    tags: list[str]
    expected_revenue: Decimal | None
    currency: str
    probability: int | None
    expected_close: date | None
    phone: str | None
    email: str | None
    website: str | None
    contact_person: str | None
    street: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    description: str | None
    lead_date: datetime
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int
    next_step: str | None
    next_step_at: datetime | None
    contact_id: UUID | None
    extra_contacts: list[ContactPointOut] = Field(
        description="Other phones and e-mail addresses the lead is known by: those of the leads merged into it. "
        "Calls and e-mails from them find the lead, and so does the search for likely duplicates."
    )

    @classmethod
    def of(cls, lead: Lead, **more: Any) -> Self:
        """``more``: the fields a subclass adds."""
        contacts = [vars(contact) for contact in lead.extra_contacts]
        return cls.model_validate({**vars(lead), "tags": sorted(lead.tags), "extra_contacts": contacts, **more})


class LikelyDuplicate(BaseModel):
    id: UUID
    name: str
    phone: str | None
    email: str | None
    salesperson_id: str | None


class CreatedLeadOut(LeadOut):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CREATED_LEAD]})

    likely_duplicates: list[LikelyDuplicate] = Field(
        description="Other open leads with the same phone or e-mail. The lead is created all the same; "
        "the app decides (a manager can merge two leads)."
    )
    deal: DealOut | None = Field(description="The first deal, when one was given.")


@router.post(
    "/leads",
    status_code=201,
    response_model=CreatedLeadOut,
    summary="Create a lead (and hear of its likely duplicates)",
)
async def create_lead(
    body: LeadIn, user: CurrentUser, uow: UnitOfWork, request: Request, idempotency: Idempotency
) -> Response:
    runtime = runtime_of(request)

    async def create() -> Lead:
        return await use_cases.create_lead(
            uow, body.command(), user, phone_region=runtime.settings.default_phone_region
        )

    async def answer(lead: Lead, reading: LeadsUnitOfWork) -> tuple[CreatedLeadOut, dict[str, str]]:
        duplicates = await lifecycle.likely_duplicates(reading, lead)
        deals = await reading.deals.of(lead.id) if body.deal else []
        created = CreatedLeadOut.of(
            lead, likely_duplicates=[vars(d) for d in duplicates], deal=DealOut.of(deals[0]) if deals else None
        )
        return created, {"Location": f"/leads/{lead.id}", "ETag": version_etag(lead.version)}

    if idempotency.key is not None:  # the answer is kept with the lead: it is complete before the commit

        async def create_and_answer() -> tuple[CreatedLeadOut, dict[str, str]]:
            return await answer(await create(), uow)

        return await idempotency.answer(uow, create_and_answer)
    async with uow:
        lead = await create()
        await uow.commit()
    # Read after the write, not in it: a write transaction holds SQLite's one writer for every request.
    async with runtime.unit_of_work(read_only=True) as reading:
        created, headers = await answer(lead, reading)
    return json_answer(created, status_code=201, headers=headers)


@router.get("/leads/{lead_id}", response_model=LeadOut, summary="One lead")
async def get_lead(lead_id: UUID, uow: UnitOfWork, response: Response) -> LeadOut:
    async with uow:
        lead = await use_cases.get_lead(uow, lead_id)
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.post(
    "/leads/{lead_id}/status",
    response_model=LeadOut,
    summary="Move a lead to another status (kanban move)",
    responses=STALE_RESPONSES,
    description="Refused (422, naming the rule) when the lead's type does not allow the status "
    "(`status_not_allowed_for_type`), the status is archived (`archived_status`), or it is the lost status "
    "(`lost_needs_reason`: use POST /leads/{lead_id}/lost, which records the reason).",
)
async def change_status(
    lead_id: UUID,
    body: StatusChange,
    user: CurrentUser,
    uow: UnitOfWork,
    response: Response,
    if_match: LeadIfMatch = None,
) -> LeadOut:
    async with uow:
        lead = await use_cases.change_status(
            uow,
            ChangeStatus(lead_id, body.status_code, expected_version(if_match)),
            user,
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.patch(
    "/leads/{lead_id}",
    response_model=LeadOut,
    summary="Change some fields of a lead",
    responses=STALE_RESPONSES,
)
async def edit_lead(
    lead_id: UUID,
    body: LeadPatch,
    user: CurrentUser,
    uow: UnitOfWork,
    request: Request,
    response: Response,
    if_match: LeadIfMatch = None,
) -> LeadOut:
    async with uow:
        lead = await use_cases.edit_lead(
            uow,
            EditLead(lead_id, body.model_dump(exclude_unset=True), expected_version(if_match)),
            user,
            phone_region=runtime_of(request).settings.default_phone_region,
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.get("/leads/{lead_id}/history", response_model=list[HistoryEntry], summary="Who changed what")
async def get_lead_history(lead_id: UUID, uow: UnitOfWork) -> list[HistoryEntry]:
    async with uow:
        entries = await use_cases.lead_history(uow, lead_id)
    return [HistoryEntry.model_validate(entry, from_attributes=True) for entry in entries]


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
async def delete_lead(lead_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: LeadIfMatch = None) -> Response:
    async with uow:
        await lifecycle.delete_lead(uow, DeleteLead(lead_id, expected_version(if_match)), user)
        await uow.commit()
    return Response(status_code=204)
