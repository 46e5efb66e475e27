"""HTTP API of partners (the companies leads are with): salespeople create and edit them, as managers do; only
a manager archives one. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool

from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CurrentUser,
    expected_version,
    runtime_of,
    signed_in_router,
    version_etag,
)
from leadline.contracts.platform.idempotency import Idempotency
from leadline.contracts.platform.pages import Page, PageLimit
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.reference import Partner
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import PartnerIfMatch, UnitOfWork
from leadline.leads.entrypoints.fields import IncludeArchived, Patch
from leadline.leads.entrypoints.http_contacts import ContactOut
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["partners"])


class PartnerFields(BaseModel):
    tax_id: str | None = Field(default=None, max_length=30, description="VAT / NIP.")
    contact_person: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50, description="Any format; stored in E.164.")
    email: EmailStr | None = None
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")


class PartnerIn(PartnerFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Kowalski Logistics sp. z o.o.",
                    "tax_id": "8971234567",
                    "contact_person": "Jan Kowalski",
                    "phone": "+48 71 123 45 67",
                    "email": "biuro@kowalski-logistics.example",
                    "city": "Wrocław",
                    "country": "PL",
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)


class PartnerPatch(PartnerFields, Patch):
    """Fields present change, null clears one (but not the name); only a manager changes `archived`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"contact_person": "Anna Kowalska"}, {"archived": True}]}
    )

    name: str = not_null(min_length=1, max_length=200)
    archived: StrictBool = not_null(description="Manager only: archive (no longer offered) or restore.")


class PartnerOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.PARTNER]})

    id: UUID
    name: str
    tax_id: str | None
    contact_person: str | None
    phone: str | None
    email: str | None
    street: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    archived: bool
    version: int
    contacts: list[ContactOut] = Field(description="Its contact persons (GET /partners/{partner_id}/contacts).")

    @classmethod
    def of(cls, partner: Partner, contacts: list[Contact]) -> PartnerOut:
        return cls.model_validate({**asdict(partner), "contacts": [ContactOut.of(c) for c in contacts]})


class PartnerPage(Page[PartnerOut]):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [examples.PARTNER], "next_cursor": None}]})


@router.get("/partners", response_model=PartnerPage, summary="Partners by name")
async def list_partners(
    uow: UnitOfWork,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name, any case.")] = None,
    include_archived: IncludeArchived = False,
    limit: PageLimit = 50,
    cursor: str | None = None,
) -> PartnerPage:
    async with uow:
        found, next_cursor = await use_cases.partner_page(
            uow, name_contains=q, include_archived=include_archived, limit=limit, cursor=cursor
        )
    return PartnerPage(items=[PartnerOut.of(p.partner, p.contacts) for p in found], next_cursor=next_cursor)


@router.get("/partners/{partner_id}", response_model=PartnerOut, summary="One partner")
async def get_partner(partner_id: UUID, uow: UnitOfWork, response: Response) -> PartnerOut:
    async with uow:
        found = await use_cases.with_contacts(uow, await use_cases.get_partner(uow, partner_id))
    response.headers["ETag"] = version_etag(found.partner.version)
    return PartnerOut.of(found.partner, found.contacts)


@router.post("/partners", status_code=201, response_model=PartnerOut, summary="Add a partner")
async def create_partner(
    body: PartnerIn, user: CurrentUser, uow: UnitOfWork, request: Request, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[PartnerOut, dict[str, str]]:
        partner = await use_cases.create_partner(
            uow, body.model_dump(), user, phone_region=runtime_of(request).settings.default_phone_region
        )
        headers = {"Location": f"/partners/{partner.id}", "ETag": version_etag(partner.version)}
        return PartnerOut.of(partner, []), headers

    return await idempotency.answer(uow, create)


@router.patch(
    "/partners/{partner_id}",
    response_model=PartnerOut,
    summary="Change some fields of a partner",
    responses=STALE_RESPONSES,
)
async def update_partner(
    partner_id: UUID,
    body: PartnerPatch,
    user: CurrentUser,
    uow: UnitOfWork,
    request: Request,
    response: Response,
    if_match: PartnerIfMatch = None,
) -> PartnerOut:
    async with uow:
        partner = await use_cases.update_partner(
            uow,
            partner_id,
            body.changes(),
            user,
            expected_version=expected_version(if_match),
            phone_region=runtime_of(request).settings.default_phone_region,
        )
        found = await use_cases.with_contacts(uow, partner)
        await uow.commit()
    response.headers["ETag"] = version_etag(partner.version)
    return PartnerOut.of(partner, found.contacts)
