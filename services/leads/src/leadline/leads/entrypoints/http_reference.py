"""HTTP API of the configuration of leads: statuses, lead types, reference items, employees, partners
and settings. Every signed-in user reads it (sales apps build their forms from it); changing it is a
manager's, except partners, which salespeople create and edit too. Thin: parse, call a use case,
commit, answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool, StrictInt

from leadline.contracts.auth import Role
from leadline.contracts.fields import IN_DIGITS, QueryBool, not_null
from leadline.contracts.http import (
    PROBLEM_RESPONSES,
    STALE_RESPONSES,
    CurrentUser,
    Manager,
    current_user,
    expected_version,
    runtime_of,
    unit_of_work,
    version_etag,
)
from leadline.contracts.idempotency import Idempotency
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.model import REFERENCE_KINDS, LeadType, ReferenceItem, Status
from leadline.leads.domain.reference import Employee, Partner, SettingKey
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.http_contacts import ContactOut
from leadline.leads.service import reference as use_cases

UnitOfWork = Annotated[LeadsUnitOfWork, Depends(unit_of_work)]

router = APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES)

# A code names an item in URLs, in leads and in Kafka keys (<kind>:<code>), so it is a plain slug.
Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Lower-case letters, digits, - and _; cannot change once created.",
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=100)]
SortOrder = Annotated[StrictInt, Field(ge=0, le=1_000_000, description="Ascending: lower comes first.")]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb.", examples=["#ff9800"])]
CodeInPath = Annotated[str, Path(max_length=40)]
IncludeArchived = Annotated[QueryBool, Query(alias="archived", description="Include archived ones too.")]
IfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one is refused with 412.")]


class Patch(BaseModel):
    """Only the fields present change; null clears a field that may be empty (the others are not nullable)."""

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


# Statuses


class StatusIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "negotiation", "name": "Negotiation", "sort_order": 35}]},
    )

    code: Code
    name: Name
    sort_order: SortOrder
    closed: StrictBool = Field(default=False, description="Leads in a closed status are closed.")
    lost: StrictBool = Field(
        default=False,
        description="Makes this the lost status (it must be closed); the former lost status loses the flag.",
    )


class StatusPatch(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Negotiation", "sort_order": 35}, {"lost": True}]}
    )

    name: Name = not_null()
    sort_order: SortOrder = not_null()
    closed: StrictBool = not_null(description="Refused while leads are in the status.")
    lost: StrictBool = not_null(
        description="true moves the lost flag here from the former lost status; "
        "false on the lost status is refused (flag another one instead).",
    )
    archived: StrictBool = not_null(
        description="Archive (leads in it stay, no lead enters it: 422 `archived_status`) or restore. "
        "The lost status cannot be archived.",
    )


class StatusOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.STATUS]})

    code: str
    name: str
    sort_order: int
    closed: bool
    lost: bool
    archived: bool

    @classmethod
    def of(cls, status: Status) -> StatusOut:
        return cls.model_validate(status, from_attributes=True)


class StatusRemovalOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"outcome": "archived", "status": {**examples.STATUS, "archived": True}}]}
    )

    outcome: Literal["deleted", "archived"] = Field(
        description="deleted when no lead is in the status and no lead type lists it; archived otherwise."
    )
    status: StatusOut = Field(description="The status as it is now (as it was, when deleted).")


@router.get("/statuses", response_model=list[StatusOut], tags=["reference data"], summary="Lead statuses")
async def list_statuses(uow: UnitOfWork, include_archived: IncludeArchived = False) -> list[StatusOut]:
    async with uow:
        reference = await uow.reference.load()
    return [
        StatusOut.of(s)
        for s in sorted(reference.statuses.values(), key=lambda s: s.sort_order)
        if include_archived or not s.archived
    ]


@router.post(
    "/statuses", status_code=201, response_model=StatusOut, tags=["reference data"], summary="Add a status (manager)"
)
async def create_status(body: StatusIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[StatusOut, dict[str, str]]:
        return StatusOut.of(await use_cases.create_status(uow, Status(**body.model_dump()), user)), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/statuses/{code}",
    response_model=StatusOut,
    tags=["reference data"],
    summary="Change a status (manager)",
    description="Exactly one status is the lost one: setting `lost` on a status takes the flag from the former "
    "lost status (both are published as changed).",
)
async def update_status(code: CodeInPath, body: StatusPatch, user: Manager, uow: UnitOfWork) -> StatusOut:
    async with uow:
        status = await use_cases.update_status(uow, code, body.changes(), user)
        await uow.commit()
    return StatusOut.of(status)


@router.delete(
    "/statuses/{code}",
    response_model=StatusRemovalOut,
    tags=["reference data"],
    summary="Delete a status (manager)",
    description="A status no lead is in and no lead type lists is deleted. One in use is archived instead: "
    "its leads keep it, moving a lead into it is refused (422 `archived_status`). The lost status is "
    "neither (422 `lost_status_required`), nor the last open status a lead type allows (422 "
    "`type_needs_open_status`).",
)
async def remove_status(code: CodeInPath, user: Manager, uow: UnitOfWork) -> StatusRemovalOut:
    async with uow:
        removal = await use_cases.remove_status(uow, code, user)
        await uow.commit()
    return StatusRemovalOut(outcome="deleted" if removal.deleted else "archived", status=StatusOut.of(removal.status))


# Lead types


class LeadTypeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "service", "name": "Service", "allowed_statuses": ["new", "qualification", "won"]}]
        },
    )

    code: Code
    name: Name
    allowed_statuses: list[Code] = Field(
        default=[], max_length=200, description="Status codes (a code given twice counts once); empty: every status."
    )

    def lead_type(self) -> LeadType:
        return LeadType(code=self.code, name=self.name, allowed_statuses=frozenset(self.allowed_statuses))


class LeadTypePatch(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"allowed_statuses": ["new", "qualification", "won", "lost"]}]}
    )

    name: Name = not_null()
    allowed_statuses: list[Code] = not_null(
        max_length=200,
        description="Replaces the list (a code given twice counts once); empty: every status. Refused while "
        "leads of the type are in a status the new list leaves out.",
    )

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        if "allowed_statuses" in changes:
            changes["allowed_statuses"] = frozenset(changes["allowed_statuses"])
        return changes


class LeadTypeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.LEAD_TYPE]})

    code: str
    name: str
    allowed_statuses: list[str] = Field(description="Empty: every status is allowed.")

    @classmethod
    def of(cls, lead_type: LeadType) -> LeadTypeOut:
        return cls(code=lead_type.code, name=lead_type.name, allowed_statuses=sorted(lead_type.allowed_statuses))


@router.get("/lead-types", response_model=list[LeadTypeOut], tags=["reference data"], summary="Lead types")
async def list_lead_types(uow: UnitOfWork) -> list[LeadTypeOut]:
    async with uow:
        reference = await uow.reference.load()
    return [LeadTypeOut.of(t) for t in sorted(reference.lead_types.values(), key=lambda t: t.name)]


@router.post(
    "/lead-types",
    status_code=201,
    response_model=LeadTypeOut,
    tags=["reference data"],
    summary="Add a lead type (manager)",
)
async def create_lead_type(body: LeadTypeIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[LeadTypeOut, dict[str, str]]:
        return LeadTypeOut.of(await use_cases.create_lead_type(uow, body.lead_type(), user)), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/lead-types/{code}",
    response_model=LeadTypeOut,
    tags=["reference data"],
    summary="Rename a lead type or set its allowed statuses (manager)",
)
async def update_lead_type(code: CodeInPath, body: LeadTypePatch, user: Manager, uow: UnitOfWork) -> LeadTypeOut:
    async with uow:
        lead_type = await use_cases.update_lead_type(uow, code, body.changes(), user)
        await uow.commit()
    return LeadTypeOut.of(lead_type)


# Reference items

Kind = Annotated[
    str,
    Path(
        description="priority, tag, lost_reason, source, campaign, channel, product, pipeline or stage.",
        json_schema_extra={"enum": list(REFERENCE_KINDS)},
    ),
]


Probability = Annotated[StrictInt, Field(ge=0, le=100, description="Percent.")]
Outcome = Literal["won", "lost"]


class ReferenceItemIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"code": "critical", "name": "Critical", "colour": "#b71c1c", "sort_order": 50},
                {"code": "delivery", "name": "Delivery", "sort_order": 40, "parent_code": "sales"},
            ]
        },
    )

    code: Code
    name: Name
    colour: Colour | None = None
    sort_order: SortOrder = 0
    parent_code: Code | None = Field(default=None, description="Stages only, and required for them: the pipeline.")
    probability: Probability | None = Field(
        default=None, description="Stages only: the chance that a deal in the stage is won (reports weigh by it)."
    )
    outcome: Outcome | None = Field(
        default=None, description="Stages only: a closing stage; a deal entering it is won (or lost) from then."
    )


class ReferenceItemPatch(Patch):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "Very high", "colour": "#ff5722"}, {"archived": False}]},
    )

    name: Name = not_null()
    colour: Colour | None = Field(default=None, description="null clears it.")
    sort_order: SortOrder = not_null()
    parent_code: Code = not_null(description="Moves a stage to another pipeline; refused if deals use it.")
    archived: StrictBool = not_null(description="Archive (no longer offered for new choices) or restore.")
    probability: Probability | None = Field(default=None, description="Stages only; null clears it.")
    outcome: Outcome | None = Field(
        default=None, description="Stages only; null: an open stage. Refused while deals are in the stage."
    )


class ReferenceItemOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.REFERENCE_ITEM]})

    kind: str
    code: str
    name: str
    colour: str | None
    sort_order: int
    parent_code: str | None
    archived: bool
    probability: int | None = Field(description="A stage's: the chance (percent) that a deal in it is won.")
    outcome: Literal["won", "lost"] | None = Field(description="A closing stage's: won or lost.")

    @classmethod
    def of(cls, item: ReferenceItem) -> ReferenceItemOut:
        return cls.model_validate(item, from_attributes=True)


class UsageOut(BaseModel):
    leads: int
    deals: int
    stages: int = Field(description="A pipeline's stages.")


class ReferenceItemRemoval(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "archived",
                    "used_by": {"leads": 14, "deals": 0, "stages": 0},
                    "item": {**examples.REFERENCE_ITEM, "archived": True},
                }
            ]
        }
    )

    outcome: Literal["deleted", "archived"] = Field(
        description="deleted when nothing used the item; archived when something does (see used_by)."
    )
    used_by: UsageOut
    item: ReferenceItemOut = Field(description="The item as it is now (as it was, when deleted).")


@router.get(
    "/reference",
    response_model=list[ReferenceItemOut],
    tags=["reference data"],
    summary="Reference items of every kind",
)
async def list_all_reference_items(
    uow: UnitOfWork, include_archived: IncludeArchived = False
) -> list[ReferenceItemOut]:
    async with uow:
        items = await use_cases.reference_items(uow, None, include_archived=include_archived)
    return [ReferenceItemOut.of(item) for item in items]


@router.get(
    "/reference/{kind}",
    response_model=list[ReferenceItemOut],
    tags=["reference data"],
    summary="Reference items of one kind, by sort order",
)
async def list_reference_items(
    kind: Kind, uow: UnitOfWork, include_archived: IncludeArchived = False
) -> list[ReferenceItemOut]:
    async with uow:
        items = await use_cases.reference_items(uow, kind, include_archived=include_archived)
    return [ReferenceItemOut.of(item) for item in items]


@router.post(
    "/reference/{kind}",
    status_code=201,
    response_model=ReferenceItemOut,
    tags=["reference data"],
    summary="Add a reference item (manager)",
)
async def create_reference_item(
    kind: Kind, body: ReferenceItemIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency
) -> Response:
    async def create() -> tuple[ReferenceItemOut, dict[str, str]]:
        item = await use_cases.create_reference_item(uow, ReferenceItem(kind=kind, **body.model_dump()), user)
        return ReferenceItemOut.of(item), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/reference/{kind}/{code}",
    response_model=ReferenceItemOut,
    tags=["reference data"],
    summary="Change, archive or restore a reference item (manager)",
)
async def update_reference_item(
    kind: Kind, code: CodeInPath, body: ReferenceItemPatch, user: Manager, uow: UnitOfWork
) -> ReferenceItemOut:
    async with uow:
        item = await use_cases.update_reference_item(uow, kind, code, body.changes(), user)
        await uow.commit()
    return ReferenceItemOut.of(item)


@router.delete(
    "/reference/{kind}/{code}",
    response_model=ReferenceItemRemoval,
    tags=["reference data"],
    summary="Delete a reference item, or archive it while in use (manager)",
    description="An item no lead, deal or stage refers to is deleted. One in use is archived instead, so the "
    "leads keep their meaning while new choices of it are refused (422 `archived_<kind>`): the answer is "
    "200 with `outcome` archived and what uses it.",
)
async def remove_reference_item(kind: Kind, code: CodeInPath, user: Manager, uow: UnitOfWork) -> ReferenceItemRemoval:
    async with uow:
        removal = await use_cases.remove_reference_item(uow, kind, code, user)
        await uow.commit()
    return ReferenceItemRemoval(
        outcome="deleted" if removal.deleted else "archived",
        used_by=UsageOut.model_validate(removal.usage, from_attributes=True),
        item=ReferenceItemOut.of(removal.item),
    )


# Employees

Extension = Annotated[str, Field(pattern=r"^[0-9A-Za-z*#+-]{1,20}$", description="PBX extension.", examples=["101"])]
WorkEmail = Annotated[
    EmailStr,
    AfterValidator(str.lower),
    Field(description="Their work address: e-mails sent to it are theirs to triage, and theirs are sent from it."),
]


class EmployeeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "ewa",
                    "name": "Ewa Kowalczyk",
                    "role": "salesperson",
                    "extension": "103",
                    "email": "ewa@leadline.example",
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=100, description="The identity provider's user id (the token's sub).")
    name: str = Field(min_length=1, max_length=200)
    role: Role
    extension: Extension | None = Field(default=None, description="Unique among active employees.")
    email: WorkEmail | None = None


class EmployeePatch(Patch):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"extension": "104"}, {"archived": True}]}
    )

    name: str = not_null(min_length=1, max_length=200)
    role: Role = not_null()
    extension: Extension | None = Field(default=None, description="Unique among active employees; null clears it.")
    email: WorkEmail | None = Field(default=None, description="Their work address; null clears it.")
    archived: StrictBool = not_null(description="Left the team (kept, as leads and history name them), or back.")


class EmployeeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.EMPLOYEE]})

    id: str
    name: str
    role: Role
    extension: str | None
    email: str | None
    archived: bool

    @classmethod
    def of(cls, employee: Employee) -> EmployeeOut:
        return cls.model_validate(employee, from_attributes=True)


@router.get("/employees", response_model=list[EmployeeOut], tags=["employees"], summary="The sales team, by name")
async def list_employees(uow: UnitOfWork, include_archived: IncludeArchived = False) -> list[EmployeeOut]:
    async with uow:
        found = await uow.employees.directory(include_archived=include_archived)
    return [EmployeeOut.of(employee) for employee in found]


@router.get("/employees/{employee_id}", response_model=EmployeeOut, tags=["employees"], summary="One employee")
async def get_employee(employee_id: Annotated[str, Path(max_length=100)], uow: UnitOfWork) -> EmployeeOut:
    async with uow:
        employee = await use_cases.get_employee(uow, employee_id)
    return EmployeeOut.of(employee)


@router.post(
    "/employees", status_code=201, response_model=EmployeeOut, tags=["employees"], summary="Add an employee (manager)"
)
async def create_employee(body: EmployeeIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[EmployeeOut, dict[str, str]]:
        employee = await use_cases.create_employee(uow, Employee(**body.model_dump()), user)
        return EmployeeOut.of(employee), {"Location": f"/employees/{quote(employee.id, safe='')}"}

    return await idempotency.answer(uow, create)


@router.patch(
    "/employees/{employee_id}",
    response_model=EmployeeOut,
    tags=["employees"],
    summary="Change, archive or restore an employee (manager)",
)
async def update_employee(
    employee_id: Annotated[str, Path(max_length=100)], body: EmployeePatch, user: Manager, uow: UnitOfWork
) -> EmployeeOut:
    async with uow:
        employee = await use_cases.update_employee(uow, employee_id, body.changes(), user)
        await uow.commit()
    return EmployeeOut.of(employee)


# Partners


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


class PartnerPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [examples.PARTNER], "next_cursor": None}]})

    items: list[PartnerOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


@router.get("/partners", response_model=PartnerPage, tags=["partners"], summary="Partners by name")
async def list_partners(
    uow: UnitOfWork,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name, any case.")] = None,
    include_archived: IncludeArchived = False,
    limit: Annotated[int, Query(ge=1, le=200), IN_DIGITS] = 50,
    cursor: str | None = None,
) -> PartnerPage:
    async with uow:
        found, next_cursor = await uow.partners.page(
            name_contains=q, include_archived=include_archived, limit=limit, cursor=cursor
        )
        contacts = await uow.contacts.of([p.id for p in found])
    return PartnerPage(items=[PartnerOut.of(p, contacts.get(p.id, [])) for p in found], next_cursor=next_cursor)


@router.get("/partners/{partner_id}", response_model=PartnerOut, tags=["partners"], summary="One partner")
async def get_partner(partner_id: UUID, uow: UnitOfWork, response: Response) -> PartnerOut:
    async with uow:
        partner = await use_cases.get_partner(uow, partner_id)
        contacts = await uow.contacts.of([partner.id])
    response.headers["ETag"] = version_etag(partner.version)
    return PartnerOut.of(partner, contacts.get(partner.id, []))


@router.post("/partners", status_code=201, response_model=PartnerOut, tags=["partners"], summary="Add a partner")
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
    tags=["partners"],
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
    if_match: IfMatch = None,
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
        contacts = await uow.contacts.of([partner.id])
        await uow.commit()
    response.headers["ETag"] = version_etag(partner.version)
    return PartnerOut.of(partner, contacts.get(partner.id, []))


# Settings


class SettingsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order_type": "ZS", "invoice_type": "FV", "default_currency": "PLN"}]}
    )

    order_type: str | None = Field(description="The documents service's type for orders made from a lead.")
    invoice_type: str | None = Field(description="The documents service's type for invoices made from a lead.")
    default_currency: str = Field(description="ISO 4217.", examples=["PLN"])

    @classmethod
    def of(cls, settings: dict[SettingKey, str | None]) -> SettingsOut:
        return cls.model_validate({key.value: value for key, value in settings.items()})


class SettingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"value": "ZS"}, {"value": "EUR"}, {"value": None}]}
    )

    value: str | None = Field(
        max_length=40,
        description="order_type, invoice_type: a document type code, null unsets it; "
        "default_currency: an ISO 4217 code.",
    )


@router.get("/settings", response_model=SettingsOut, tags=["settings"], summary="The settings of leads")
async def get_settings(uow: UnitOfWork) -> SettingsOut:
    async with uow:
        settings = await uow.settings.all()
    return SettingsOut.of(settings)


@router.put("/settings/{key}", response_model=SettingsOut, tags=["settings"], summary="Set one setting (manager)")
async def put_setting(key: SettingKey, body: SettingIn, user: Manager, uow: UnitOfWork) -> SettingsOut:
    async with uow:
        settings = await use_cases.change_setting(uow, key, body.value, user)
        await uow.commit()
    return SettingsOut.of(settings)
