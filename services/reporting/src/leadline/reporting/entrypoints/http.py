"""HTTP API of the reporting service: reports for managers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.http import manager_router
from leadline.reporting.entrypoints.deps import UnitOfWork
from leadline.reporting.service import use_cases

router = manager_router(tags=["reports"])


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
