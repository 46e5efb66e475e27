"""HTTP API of lead statuses: every signed-in user reads them (sales apps build their forms and boards from
them); changing them is a manager's. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from typing import Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import Manager, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.domain.model import Status
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.fields import Code, CodeInPath, IncludeArchived, Name, Patch, SortOrder
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["reference data"])


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


@router.get("/statuses", response_model=list[StatusOut], summary="Lead statuses")
async def list_statuses(uow: UnitOfWork, include_archived: IncludeArchived = False) -> list[StatusOut]:
    async with uow:
        found = await use_cases.statuses(uow, include_archived=include_archived)
    return [StatusOut.of(s) for s in found]


@router.post("/statuses", status_code=201, response_model=StatusOut, summary="Add a status (manager)")
async def create_status(body: StatusIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[StatusOut, dict[str, str]]:
        return StatusOut.of(await use_cases.create_status(uow, Status(**body.model_dump()), user)), {}

    return await idempotency.answer(uow, create)


@router.patch(
    "/statuses/{code}",
    response_model=StatusOut,
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
