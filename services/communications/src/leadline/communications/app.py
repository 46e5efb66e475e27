"""Composition root of the communications service."""

from __future__ import annotations

from fastapi import FastAPI

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.config import Settings
from leadline.communications.entrypoints import http, http_mail, kafka
from leadline.contracts.events import (
    CallAttachedV1,
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailReceivedV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    EmailUnignoredV1,
)
from leadline.contracts.idempotency import purge_expired_keys
from leadline.contracts.runtime import ServiceRuntime
from leadline.contracts.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(
        settings,
        CommunicationsUnitOfWork,
        publishes=[
            CallRegisteredV1,
            CallAttachedV1,
            CallLeadRequestedV1,
            CallReturnedToTriageV1,
            CallIgnoredV1,
            CallUnignoredV1,
            EmailRegisteredV1,
            EmailAttachedV1,
            EmailLeadRequestedV1,
            EmailReturnedToTriageV1,
            EmailIgnoredV1,
            EmailUnignoredV1,
            EmailReceivedV1,  # what the mail ingestion adapter turns uploaded messages into
        ],
    )
    runtime.subscribe(kafka.handlers(settings.default_phone_region))
    purge_expired_keys(runtime)
    return runtime.http_app(
        title="Leadline communications",
        description="Inbound calls and e-mails, matched to leads or waiting in triage: what sales apps build the "
        "Calls and E-mail tabs from.",
        version="0.1.0",
        routers=[http.router, http_mail.router],
    )
