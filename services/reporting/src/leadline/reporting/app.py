"""Composition root of the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.events import FunnelMonthV1, LeadsByStatusV1, PipelineStageV1
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.config import Settings
from leadline.reporting.entrypoints import (
    http_calls,
    http_communications,
    http_deal_reports,
    http_reports,
    kafka,
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, ReportingUnitOfWork, publishes=[LeadsByStatusV1, FunnelMonthV1, PipelineStageV1])
    runtime.subscribe(kafka.handlers(), batch_steps=kafka.BATCH_STEPS)
    return runtime.http_app(
        title="Leadline reporting",
        description="Funnel and pipeline aggregates: served here to managers and published to compacted topics for BI.",
        version="0.1.0",
        routers=[
            http_reports.router,
            http_deal_reports.router,
            http_communications.router,
            http_calls.router,
        ],
    )


def documented_app() -> FastAPI:
    """The app the committed documents describe (``leadline-contracts``): no database behind it."""
    return create_app(Settings(database_url="sqlite+aiosqlite://"))
