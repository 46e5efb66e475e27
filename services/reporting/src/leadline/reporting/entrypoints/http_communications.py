"""HTTP API of the calls and e-mails statistics, for managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import manager_router
from leadline.reporting.domain.buckets import FunnelPeriod
from leadline.reporting.domain.report import Interval
from leadline.reporting.entrypoints.deps import FromQuery, ToQuery, UnitOfWork
from leadline.reporting.service import communications

router = manager_router(tags=["reports"])


class CommunicationStats(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-11-24",
                    "kind": "call",
                    "arrived": 20,
                    "attached": 12,
                    "created": 4,
                    "ignored": 3,
                    "in_triage": 1,
                    "attached_share": 0.6,
                    "created_share": 0.2,
                    "ignored_share": 0.15,
                    "average_decision_seconds": 1800.0,
                    "decided_by_person": 10,
                    "attached_automatically": 9,
                }
            ]
        }
    )

    period: str
    kind: str = Field(description="call or email")
    arrived: int
    attached: int = Field(description="Attached to an existing lead, on arrival or in triage.")
    created: int = Field(description="A lead was created from it.")
    ignored: int
    in_triage: int = Field(description="Still waiting for a decision.")
    attached_share: float | None
    created_share: float | None
    ignored_share: float | None
    average_decision_seconds: float | None = Field(
        description="From arrival to a person's decision in triage, over `decided_by_person` items: those "
        "communications attached by itself are not decisions."
    )
    decided_by_person: int = Field(description="Attached, created or ignored by a person in triage.")
    attached_automatically: int = Field(
        description="Of `attached`: attached by communications without a person, on arrival or later (a lead with "
        "the number or address appeared, or an e-mail of its thread was attached)."
    )


@router.get(
    "/reports/communications",
    response_model=list[CommunicationStats],
    summary="Calls and e-mails per period, and how triage decided them",
)
async def communication_stats(
    uow: UnitOfWork,
    period: Annotated[FunnelPeriod, Query(description="Bucket of the arrival (UTC; ISO weeks).")] = "day",
    arrived_from: FromQuery = None,
    arrived_to: ToQuery = None,
) -> list[CommunicationStats]:
    interval = Interval(arrived_from, arrived_to).checked(end_field="arrived_to")
    async with uow:
        found = await communications.communication_stats(uow, period, interval)
    return [CommunicationStats.model_validate(stats, from_attributes=True) for stats in found]
