"""HTTP API of the documents service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from leadline.contracts.http import PROBLEM_RESPONSES, current_user, unit_of_work
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.service import use_cases

UnitOfWork = Annotated[DocumentsUnitOfWork, Depends(unit_of_work)]

router = APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES)


class LeadCopyOut(BaseModel):
    lead_id: UUID
    name: str
    status_code: str
    closed: bool
    salesperson_id: str | None
    phone: str | None
    email: str | None


@router.get(
    "/leads/{lead_id}",
    response_model=LeadCopyOut,
    tags=["leads"],
    summary="The lead as documents know it: what an order or invoice from it is filled with",
)
async def lead_copy(lead_id: UUID, uow: UnitOfWork) -> LeadCopyOut:
    async with uow:
        lead = await use_cases.lead_copy(uow, lead_id)
    return LeadCopyOut.model_validate(lead, from_attributes=True)
