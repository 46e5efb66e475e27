"""HTTP API of the calls statistics, for managers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import manager_router
from leadline.contracts.wire.events.gateway import Direction, Disposition
from leadline.reporting.domain.buckets import FunnelPeriod
from leadline.reporting.domain.report import Interval
from leadline.reporting.entrypoints.deps import FromQuery, ToQuery, UnitOfWork
from leadline.reporting.service import calls

router = manager_router(tags=["reports"])


class CallBreakdown(BaseModel):
    direction: Direction
    disposition: Disposition | None = Field(
        description="Null: not ended yet, or its gateway reports no end (call.received.v1)."
    )
    calls: int


class CallStats(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-11-24",
                    "calls": 31,
                    "by_direction_and_disposition": [
                        {"direction": "inbound", "disposition": "answered", "calls": 16},
                        {"direction": "inbound", "disposition": "missed", "calls": 4},
                        {"direction": "outbound", "disposition": "answered", "calls": 9},
                        {"direction": "outbound", "disposition": "no-answer", "calls": 2},
                    ],
                    "inbound": 20,
                    "inbound_ended": 20,
                    "missed": 4,
                    "missed_share": 0.2,
                    "called_back": 3,
                    "marked_done": 0,
                    "awaiting_callback": 1,
                    "average_callback_seconds": 1260.0,
                }
            ]
        }
    )

    period: str
    calls: int = Field(description="Every call that started in the period.")
    by_direction_and_disposition: list[CallBreakdown]
    inbound: int
    inbound_ended: int = Field(description="Inbound calls whose end the PBX reported: what `missed_share` is of.")
    missed: int = Field(description="Inbound calls nobody answered (any disposition but answered).")
    missed_share: float | None = Field(description="`missed` of `inbound_ended`; null without any.")
    called_back: int = Field(description="Missed calls an answered call back to the number returned.")
    marked_done: int = Field(description="Missed calls a person cleared without a call back.")
    awaiting_callback: int = Field(description="Missed calls not returned yet.")
    average_callback_seconds: float | None = Field(
        description="Time to call back: from a missed call's start to the start of the call back that returned it, "
        "over `called_back`."
    )


@router.get(
    "/reports/calls",
    response_model=list[CallStats],
    summary="Calls per period by direction and disposition, missed calls and time to call back",
)
async def call_stats(
    uow: UnitOfWork,
    period: Annotated[FunnelPeriod, Query(description="Bucket of the call's start (UTC; ISO weeks).")] = "day",
    started_from: FromQuery = None,
    started_to: ToQuery = None,
) -> list[CallStats]:
    interval = Interval(started_from, started_to).checked(end_field="started_to")
    async with uow:
        found = await calls.call_stats(uow, period, interval)
    return [CallStats.model_validate(stats, from_attributes=True) for stats in found]
