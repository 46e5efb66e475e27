"""Aggregates that reporting publishes for BI consumers (compacted topics)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.topics import FUNNEL, LEADS_BY_STATUS, PIPELINE


class LeadsByStatusV1(
    Event,
    type="leadline.reporting.leads_by_status.updated.v1",
    topic=LEADS_BY_STATUS,
    subject="status_code",
):
    """The current number of leads in one status; the latest record per key is the truth."""

    status_code: str
    lead_count: int = Field(ge=0)
    as_of: datetime


class FunnelMonthV1(Event, type="leadline.reporting.funnel.updated.v1", topic=FUNNEL, subject="key"):
    """The funnel of one status in one month (UTC): the leads that entered the status that month, how many of
    them have left it since, and how long they stayed on average. The latest record per key is the truth; a
    count falls when a lead is deleted or merged away."""

    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-11"])
    status_code: str
    entered: int = Field(ge=0)
    left: int = Field(ge=0, description="Of those that entered, how many moved on to another status.")
    average_seconds_in_status: float | None = Field(description="Over those that left; null when none has.")
    as_of: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """The Kafka key: <month>/<status code>."""
        return f"{self.month}/{self.status_code}"


class StageValue(BaseModel):
    """Deals of one currency in a stage: their value, and that value weighted by the stage's probability."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    currency: str = Field(examples=["PLN"])
    value: Decimal = Field(description="A decimal string.", examples=["125000.00"])
    weighted_value: Decimal | None = Field(
        description="value × the stage's probability; null when the stage carries none.", examples=["62500.00"]
    )


class PipelineStageV1(Event, type="leadline.reporting.pipeline.updated.v1", topic=PIPELINE, subject="key"):
    """The open deals in one stage of a pipeline now: how many, and their value per currency (never added across
    currencies). The latest record per key is the truth."""

    pipeline_code: str
    stage_code: str
    deal_count: int = Field(ge=0, description="Open deals in the stage (a closing stage: the deals it closed).")
    values: list[StageValue] = Field(description="Per currency, by currency code.")
    as_of: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def key(self) -> str:
        """The Kafka key: <pipeline code>/<stage code>."""
        return f"{self.pipeline_code}/{self.stage_code}"
