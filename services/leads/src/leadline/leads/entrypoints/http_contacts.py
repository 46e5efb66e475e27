"""HTTP API of partners' contact persons. Anyone edits them, as partners; each change is one version of the
partner, so If-Match takes the partner's ETag. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

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
from leadline.leads.domain.contacts import Contact
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import ContactIfMatch, UnitOfWork
from leadline.leads.service import contacts

router = signed_in_router(tags=["partners"])

Phones = Annotated[
    list[Annotated[str, Field(max_length=50)]],
    Field(max_length=10, description="Any format; stored in E.164. Calls from them match the partner's open leads."),
]
Emails = Annotated[
    list[EmailStr], Field(max_length=10, description="E-mails from them match the partner's open leads.")
]


class ContactIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Jan Kowalski", "role": "Office manager", "phones": ["601 234 567"], "emails": ["jan@k.pl"]}
            ]
        },
    )

    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=100, examples=["Purchasing manager"])
    phones: Phones = []
    emails: Emails = []


class ContactPatch(BaseModel):
    """Only the fields present change; null clears the role; phones and e-mails are replaced as a whole."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "Director"}]})

    name: str = not_null(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=100)
    phones: Phones = not_null()
    emails: Emails = not_null()


class ContactOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.CONTACT]})

    id: UUID
    partner_id: UUID
    name: str
    role: str | None
    phones: list[str]
    emails: list[str]

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls.model_validate(contact, from_attributes=True)


@router.get("/partners/{partner_id}/contacts", response_model=list[ContactOut], summary="A partner's contact persons")
async def list_contacts(partner_id: UUID, uow: UnitOfWork) -> list[ContactOut]:
    async with uow:
        found = await contacts.contacts_of(uow, partner_id)
    return [ContactOut.of(contact) for contact in found]


@router.post(
    "/partners/{partner_id}/contacts",
    status_code=201,
    response_model=ContactOut,
    summary="Add a contact person to a partner",
    responses=STALE_RESPONSES,
)
async def add_contact(
    partner_id: UUID,
    body: ContactIn,
    user: CurrentUser,
    uow: UnitOfWork,
    request: Request,
    idempotency: Idempotency,
    if_match: ContactIfMatch = None,
) -> Response:
    async def create() -> tuple[ContactOut, dict[str, str]]:
        partner, contact = await contacts.add_contact(
            uow,
            partner_id,
            body.model_dump(),
            user,
            expected_version=expected_version(if_match),
            phone_region=runtime_of(request).settings.default_phone_region,
        )
        location = f"/partners/{partner_id}/contacts/{contact.id}"
        return ContactOut.of(contact), {"Location": location, "ETag": version_etag(partner.version)}

    return await idempotency.answer(uow, create)


@router.patch(
    "/partners/{partner_id}/contacts/{contact_id}",
    response_model=ContactOut,
    summary="Change a contact person",
    responses=STALE_RESPONSES,
)
async def edit_contact(
    partner_id: UUID,
    contact_id: UUID,
    body: ContactPatch,
    user: CurrentUser,
    uow: UnitOfWork,
    request: Request,
    response: Response,
    if_match: ContactIfMatch = None,
) -> ContactOut:
    async with uow:
        partner, contact = await contacts.edit_contact(
            uow,
            partner_id,
            contact_id,
            body.model_dump(exclude_unset=True),
            user,
            expected_version=expected_version(if_match),
            phone_region=runtime_of(request).settings.default_phone_region,
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(partner.version)
    return ContactOut.of(contact)


@router.delete(
    "/partners/{partner_id}/contacts/{contact_id}",
    status_code=204,
    summary="Remove a contact person (refused while a lead names them: 409 `contact_in_use`)",
    responses=STALE_RESPONSES,
)
async def remove_contact(
    partner_id: UUID, contact_id: UUID, user: CurrentUser, uow: UnitOfWork, if_match: ContactIfMatch = None
) -> Response:
    async with uow:
        partner = await contacts.remove_contact(
            uow, partner_id, contact_id, user, expected_version=expected_version(if_match)
        )
        await uow.commit()
    return Response(status_code=204, headers={"ETag": version_etag(partner.version)})
