"""HTTP API of the sales team: every signed-in user reads it; changing it is a manager's. Thin: parse, call a
use case, commit, answer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Path, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StrictBool

from leadline.contracts.platform.auth import Role
from leadline.contracts.platform.fields import not_null
from leadline.contracts.platform.http import Manager, signed_in_router
from leadline.contracts.platform.idempotency import Idempotency
from leadline.leads.domain.reference import Employee
from leadline.leads.entrypoints import examples
from leadline.leads.entrypoints.deps import UnitOfWork
from leadline.leads.entrypoints.fields import IncludeArchived, Patch
from leadline.leads.service import reference as use_cases

router = signed_in_router(tags=["employees"])


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


@router.get("/employees", response_model=list[EmployeeOut], summary="The sales team, by name")
async def list_employees(uow: UnitOfWork, include_archived: IncludeArchived = False) -> list[EmployeeOut]:
    async with uow:
        found = await use_cases.employees(uow, include_archived=include_archived)
    return [EmployeeOut.of(employee) for employee in found]


@router.get("/employees/{employee_id}", response_model=EmployeeOut, summary="One employee")
async def get_employee(employee_id: Annotated[str, Path(max_length=100)], uow: UnitOfWork) -> EmployeeOut:
    async with uow:
        employee = await use_cases.get_employee(uow, employee_id)
    return EmployeeOut.of(employee)


@router.post("/employees", status_code=201, response_model=EmployeeOut, summary="Add an employee (manager)")
async def create_employee(body: EmployeeIn, user: Manager, uow: UnitOfWork, idempotency: Idempotency) -> Response:
    async def create() -> tuple[EmployeeOut, dict[str, str]]:
        employee = await use_cases.create_employee(uow, Employee(**body.model_dump()), user)
        return EmployeeOut.of(employee), {"Location": f"/employees/{quote(employee.id, safe='')}"}

    return await idempotency.answer(uow, create)


@router.patch(
    "/employees/{employee_id}",
    response_model=EmployeeOut,
    summary="Change, archive or restore an employee (manager)",
)
async def update_employee(
    employee_id: Annotated[str, Path(max_length=100)], body: EmployeePatch, user: Manager, uow: UnitOfWork
) -> EmployeeOut:
    async with uow:
        employee = await use_cases.update_employee(uow, employee_id, body.changes(), user)
        await uow.commit()
    return EmployeeOut.of(employee)
