"""Composition root of the documents service."""

from __future__ import annotations

from fastapi import FastAPI

from leadline.contracts.runtime import ServiceRuntime
from leadline.contracts.settings import ServiceSettings
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.config import Settings
from leadline.documents.entrypoints import http, kafka


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, DocumentsUnitOfWork, publishes=[])  # orders and invoices come next
    runtime.subscribe(kafka.handlers())
    return runtime.http_app(
        title="Leadline documents",
        description="Sales orders and invoices created from leads.",
        version="0.1.0",
        routers=[http.router],
    )
