"""HTTP API of the reporting service: reports for managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.http import PROBLEM_RESPONSES, require_manager, unit_of_work
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.service import use_cases

UnitOfWork = Annotated[ReportingUnitOfWork, Depends(unit_of_work)]

router = APIRouter(
    dependencies=[Depends(require_manager)],
    responses=PROBLEM_RESPONSES,
    tags=["reports"],
)


class StatusCount(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status_code": "qualification", "lead_count": 12}]})

    status_code: str = Field(examples=["qualification"])
    lead_count: int = Field(examples=[12])


@router.get(
    "/reports/leads-by-status",
    response_model=list[StatusCount],
    summary="Number of leads per status",
)
async def leads_by_status(uow: UnitOfWork) -> list[StatusCount]:
    async with uow:
        counts = await use_cases.leads_by_status(uow)
    return [StatusCount(status_code=code, lead_count=count) for code, count in sorted(counts.items())]
