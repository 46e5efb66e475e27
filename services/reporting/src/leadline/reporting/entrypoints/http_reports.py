"""HTTP API of the lead reports (leads by status, the pivot report) and the funnel, for managers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.fields import IN_DIGITS
from leadline.contracts.platform.http import manager_router
from leadline.reporting.domain.buckets import FunnelPeriod
from leadline.reporting.domain.report import Dimension, Interval, PivotRequest
from leadline.reporting.entrypoints.deps import FromQuery, ToQuery, UnitOfWork
from leadline.reporting.service import reports, use_cases

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


class Money(BaseModel):
    currency: str = Field(examples=["PLN"])
    amount: Decimal = Field(examples=["12500.00"])


def money(amounts: dict[str, Decimal]) -> list[Money]:
    return [Money(currency=c, amount=a) for c, a in sorted(amounts.items())]


class PivotCell(BaseModel):
    row: list[str | None] = Field(description="The values of the row dimensions, in their order; null: none.")
    column: list[str | None] = Field(description="The values of the column dimensions, in their order.")
    count: int
    expected_revenue: list[Money] = Field(description="Per currency; amounts of different currencies are not added.")
    weighted_revenue: list[Money] = Field(description="Expected revenue × probability, per currency.")


class LeadReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": ["salesperson"],
                    "columns": ["lead_month"],
                    "lead_date_from": "2026-01-01T00:00:00Z",
                    "lead_date_to": None,
                    "cells": [
                        {
                            "row": ["anna"],
                            "column": ["2026-11"],
                            "count": 3,
                            "expected_revenue": [{"currency": "PLN", "amount": "30000.00"}],
                            "weighted_revenue": [{"currency": "PLN", "amount": "15000.00"}],
                        }
                    ],
                }
            ]
        }
    )

    rows: list[Dimension]
    columns: list[Dimension]
    lead_date_from: datetime | None
    lead_date_to: datetime | None
    cells: list[PivotCell] = Field(description="Only the combinations that have leads.")


@router.get("/reports/leads", response_model=LeadReport, summary="The lead report as a pivot")
async def lead_report(
    uow: UnitOfWork,
    rows: Annotated[list[Dimension], Query(description="Row dimensions, in order.")] = [],  # noqa: B006
    columns: Annotated[list[Dimension], Query(description="Column dimensions, in order.")] = [],  # noqa: B006
    lead_date_from: FromQuery = None,
    lead_date_to: ToQuery = None,
) -> LeadReport:
    """Count, expected revenue and weighted revenue of the leads whose lead date is in the interval, per
    combination of the dimensions' values. Times are in UTC; weekdays are ISO (1 Monday … 7 Sunday)."""
    request = PivotRequest(tuple(rows), tuple(columns), Interval(lead_date_from, lead_date_to)).checked()
    async with uow:
        cells = await reports.lead_pivot(uow, request)
    return LeadReport(
        rows=list(request.rows),
        columns=list(request.columns),
        lead_date_from=lead_date_from,
        lead_date_to=lead_date_to,
        cells=[
            PivotCell(
                row=list(c.row),
                column=list(c.column),
                count=c.count,
                expected_revenue=money(c.expected_revenue),
                weighted_revenue=money(c.weighted_revenue),
            )
            for c in cells
        ],
    )


class Entries(BaseModel):
    period: str = Field(examples=["2026-11"])
    status_code: str
    lead_count: int


class Conversion(BaseModel):
    from_status_code: str
    to_status_code: str
    lead_count: int
    rate: float | None = Field(description="Share of the leads that entered from_status_code in the interval.")


class LostReason(BaseModel):
    lost_reason_code: str | None
    lead_count: int


class TimeInStatus(BaseModel):
    status_code: str
    left_count: int = Field(description="Stays that ended in the interval's cohort.")
    average_seconds: float | None


class Funnel(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "month",
                    "entries": [{"period": "2026-11", "status_code": "new", "lead_count": 40}],
                    "conversions": [
                        {"from_status_code": "new", "to_status_code": "qualification", "lead_count": 30, "rate": 0.75}
                    ],
                    "won": 8,
                    "lost": 5,
                    "lost_reasons": [{"lost_reason_code": "price", "lead_count": 3}],
                    "time_in_status": [{"status_code": "new", "left_count": 30, "average_seconds": 86400.0}],
                }
            ]
        }
    )

    period: FunnelPeriod
    entries: list[Entries] = Field(description="Leads entering each status, per period.")
    conversions: list[Conversion] = Field(description="Moves from a status to the next one leads took.")
    won: int = Field(description="Leads closed in a status other than the lost one.")
    lost: int
    lost_reasons: list[LostReason]
    time_in_status: list[TimeInStatus] = Field(description="Average time in a status, over the stays that ended.")


@router.get("/reports/funnel", response_model=Funnel, summary="The sales funnel")
async def funnel(
    uow: UnitOfWork,
    period: Annotated[FunnelPeriod, Query(description="Bucket of the entries (UTC; ISO weeks).")] = "month",
    entered_from: FromQuery = None,
    entered_to: ToQuery = None,
) -> Funnel:
    """Over the leads that entered a status in the interval (won and lost: that closed in it)."""
    interval = Interval(entered_from, entered_to).checked(end_field="entered_to")
    async with uow:
        found = await reports.funnel(uow, period, interval)
    return Funnel.model_validate({"period": period, **found.__dict__}, from_attributes=True)


class StuckLead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lead_id": "0b7e7a52-1c1e-4d55-9d55-2f2b1d0c5a11",
                    "status_code": "proposal",
                    "salesperson_id": "anna",
                    "status_since": "2026-10-01T09:00:00Z",
                    "days_in_status": 54,
                    "next_step": "Call back about the second offer",
                    "next_step_at": "2026-11-20T10:00:00Z",
                }
            ]
        }
    )

    lead_id: UUID
    status_code: str
    salesperson_id: str | None
    status_since: datetime
    days_in_status: int
    next_step: str | None = Field(description="What is to be done next on the lead, as it says.")
    next_step_at: datetime | None = Field(description="When the next step comes due (past: overdue).")


@router.get("/reports/stuck-leads", response_model=list[StuckLead], summary="Open leads stuck in their status")
async def stuck_leads(
    uow: UnitOfWork,
    days: Annotated[
        int, Query(ge=1, le=3650, description="In their status longer than this many days."), IN_DIGITS
    ] = 14,
    limit: Annotated[int, Query(ge=1, le=1000), IN_DIGITS] = 100,
) -> list[StuckLead]:
    async with uow:
        found = await reports.stuck_leads(uow, days, datetime.now(UTC), limit)
    return [StuckLead.model_validate(lead, from_attributes=True) for lead in found]


class Workload(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "salesperson_id": "anna",
                    "open_leads": 12,
                    "expected_revenue": [{"currency": "PLN", "amount": "120000.00"}],
                }
            ]
        }
    )

    salesperson_id: str | None = Field(description="null: the open leads nobody is assigned to.")
    open_leads: int
    expected_revenue: list[Money]


@router.get("/reports/workload", response_model=list[Workload], summary="Open leads and expected revenue per person")
async def workload(uow: UnitOfWork) -> list[Workload]:
    async with uow:
        found = await reports.workload(uow)
    return [
        Workload(salesperson_id=w.salesperson_id, open_leads=w.open_leads, expected_revenue=money(w.expected_revenue))
        for w in found
    ]
