"""HTTP API of the pipeline reports (deals), for managers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.platform.http import manager_router
from leadline.reporting.domain.buckets import FunnelPeriod
from leadline.reporting.domain.report import Interval
from leadline.reporting.entrypoints.deps import FromQuery, ToQuery, UnitOfWork
from leadline.reporting.entrypoints.http_reports import Money, money
from leadline.reporting.service import deal_reports

router = manager_router(tags=["pipeline reports"])

PipelineQuery = Annotated[str | None, Query(max_length=40, description="One pipeline's deals; default: every one.")]


class PipelineValue(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pipeline_code": "sales",
                    "stage_code": "negotiation",
                    "salesperson_id": None,
                    "deal_count": 12,
                    "value": [{"currency": "PLN", "amount": "480000.00"}],
                    "weighted_value": [{"currency": "PLN", "amount": "240000.00"}],
                }
            ]
        }
    )

    pipeline_code: str
    stage_code: str | None = Field(description="by=stage: the stage; null by salesperson.")
    salesperson_id: str | None = Field(description="by=salesperson: the deals' leads' salesperson (null: nobody).")
    deal_count: int
    value: list[Money] = Field(description="Per currency; amounts of different currencies are not added.")
    weighted_value: list[Money] = Field(
        description="Value × the probability of the deal's stage, per currency, over the deals whose stage carries one."
    )


@router.get(
    "/reports/pipeline-value",
    response_model=list[PipelineValue],
    summary="Open deals' value per pipeline stage or per salesperson, weighted by the stages' probabilities",
)
async def pipeline_value(
    uow: UnitOfWork,
    pipeline_code: PipelineQuery = None,
    by: Annotated[Literal["stage", "salesperson"], Query(description="Rows per stage or per salesperson.")] = "stage",
) -> list[PipelineValue]:
    async with uow:
        found = await deal_reports.pipeline_value(uow, pipeline_code, by)
    return [
        PipelineValue(
            pipeline_code=row.pipeline_code,
            stage_code=row.key if by == "stage" else None,
            salesperson_id=row.key if by == "salesperson" else None,
            deal_count=row.values.deal_count,
            value=money(row.values.value),
            weighted_value=money(row.values.weighted),
        )
        for row in found
    ]


class DealOutcomes(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-11",
                    "pipeline_code": "sales",
                    "won": 4,
                    "won_value": [{"currency": "PLN", "amount": "210000.00"}],
                    "lost": 2,
                    "lost_value": [{"currency": "PLN", "amount": "35000.00"}],
                }
            ]
        }
    )

    period: str = Field(examples=["2026-11"])
    pipeline_code: str
    won: int
    won_value: list[Money]
    lost: int
    lost_value: list[Money]


@router.get("/reports/deal-outcomes", response_model=list[DealOutcomes], summary="Deals won and lost per period")
async def deal_outcomes(
    uow: UnitOfWork,
    period: Annotated[FunnelPeriod, Query(description="Bucket of the closing (UTC; ISO weeks).")] = "month",
    closed_from: FromQuery = None,
    closed_to: ToQuery = None,
    pipeline_code: PipelineQuery = None,
) -> list[DealOutcomes]:
    """Per period in which deals entered a closing stage, and pipeline."""
    interval = Interval(closed_from, closed_to).checked(end_field="closed_to")
    async with uow:
        found = await deal_reports.deal_outcomes(uow, period, interval, pipeline_code)
    return [
        DealOutcomes(
            period=row.period,
            pipeline_code=row.pipeline_code,
            won=row.won,
            won_value=money(row.won_value),
            lost=row.lost,
            lost_value=money(row.lost_value),
        )
        for row in found
    ]


class TimeInStage(BaseModel):
    pipeline_code: str
    stage_code: str
    left_count: int = Field(description="Stays that ended, of those that began in the interval.")
    average_days: float | None


class StageConversion(BaseModel):
    pipeline_code: str
    from_stage_code: str
    to_stage_code: str
    deal_count: int
    rate: float | None = Field(description="Share of the deals that entered from_stage_code in the interval.")


class CycleTime(BaseModel):
    pipeline_code: str
    outcome: Literal["won", "lost"]
    deal_count: int
    average_days: float | None = Field(description="From the deal's making to its closing.")


class DealFlow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_in_stage": [
                        {"pipeline_code": "sales", "stage_code": "discovery", "left_count": 30, "average_days": 6.5}
                    ],
                    "conversions": [
                        {
                            "pipeline_code": "sales",
                            "from_stage_code": "discovery",
                            "to_stage_code": "negotiation",
                            "deal_count": 21,
                            "rate": 0.7,
                        }
                    ],
                    "cycle_times": [
                        {"pipeline_code": "sales", "outcome": "won", "deal_count": 8, "average_days": 41.2}
                    ],
                }
            ]
        }
    )

    time_in_stage: list[TimeInStage] = Field(description="Average days in a stage, over the stays that ended.")
    conversions: list[StageConversion] = Field(description="Moves from a stage to the next one deals took.")
    cycle_times: list[CycleTime] = Field(description="Average days from made to won, and to lost.")


@router.get(
    "/reports/deal-flow",
    response_model=DealFlow,
    summary="Average days per stage, conversion from stage to stage, cycle time",
)
async def deal_flow(
    uow: UnitOfWork, entered_from: FromQuery = None, entered_to: ToQuery = None, pipeline_code: PipelineQuery = None
) -> DealFlow:
    """Over the stays that began in the interval (time in stage, conversions) and the deals closed in it (cycle)."""
    interval = Interval(entered_from, entered_to).checked(end_field="entered_to")
    async with uow:
        found = await deal_reports.deal_flow(uow, interval, pipeline_code)
    return DealFlow.model_validate(found, from_attributes=True)
