"""Composition root of the documents service."""

from __future__ import annotations

from fastapi import FastAPI

from leadline.contracts.platform.idempotency import purge_expired_keys
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.events import (
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.config import Settings
from leadline.documents.entrypoints import http_invoices, http_leads, http_orders, kafka


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(
        settings,
        DocumentsUnitOfWork,
        publishes=[
            OrderCreatedV1,
            OrderStatusChangedV1,
            OrderDeletedV1,
            InvoiceCreatedV1,
            InvoiceStatusChangedV1,
            InvoiceDeletedV1,
        ],
    )
    runtime.subscribe(kafka.handlers())
    purge_expired_keys(runtime)
    return runtime.http_app(
        title="Leadline documents",
        description="Sales orders and invoices made from leads: numbered per type and year, with their statuses.",
        version="0.2.0",
        # In this order the document lists the paths (a path where its first operation is).
        routers=[http_leads.router, http_orders.router, http_invoices.router],
    )


def documented_app() -> FastAPI:
    """The app the committed documents describe (``leadline-contracts``): no database behind it."""
    return create_app(Settings(database_url="sqlite+aiosqlite://"))
