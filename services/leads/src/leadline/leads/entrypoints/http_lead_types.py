"""HTTP API of lead types and the statuses each allows: every signed-in user reads them; changing them is a
manager's. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import Manager, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.domain.model import LeadType
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.fields import Code, CodeInPath, Name, Patch
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["reference data"])


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


@router.get("/lead-types", response_model=list[LeadTypeOut], summary="Lead types")
async def list_lead_types(uow: UnitOfWork) -> list[LeadTypeOut]:
    async with uow:
        found = await use_cases.lead_types(uow)
    return [LeadTypeOut.of(t) for t in found]


@router.post(
    "/lead-types",
    status_code=201,
    response_model=LeadTypeOut,
    summary="Add a lead type (manager)",
)
async def create_lead_type(body: LeadTypeIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[LeadTypeOut, dict[str, str]]:
        return LeadTypeOut.of(await use_cases.create_lead_type(uow, body.lead_type(), user)), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/lead-types/{code}",
    response_model=LeadTypeOut,
    summary="Rename a lead type or set its allowed statuses (manager)",
)
async def update_lead_type(code: CodeInPath, body: LeadTypePatch, user: Manager, uow: UnitOfWork) -> LeadTypeOut:
    async with uow:
        lead_type = await use_cases.update_lead_type(uow, code, body.changes(), user)
        await uow.commit()
    return LeadTypeOut.of(lead_type)
