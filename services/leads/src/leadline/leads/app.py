"""Composition root of the leads service."""

from __future__ import annotations

from fastapi import FastAPI

from leadline.contracts.events import LeadCreatedV1, LeadStatusChangedV1, LeadUpdatedV1
from leadline.contracts.runtime import ServiceRuntime
from leadline.contracts.settings import ServiceSettings
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.config import Settings
from leadline.leads.entrypoints import http, kafka


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, LeadsUnitOfWork, publishes=[LeadCreatedV1, LeadUpdatedV1, LeadStatusChangedV1])
    runtime.subscribe(kafka.handlers(settings.default_phone_region))
    return runtime.http_app(
        title="Leadline leads",
        description="Leads, their statuses and types: what sales apps build lead lists, cards and kanban boards from.",
        version="0.1.0",
        routers=[http.router],
    )
