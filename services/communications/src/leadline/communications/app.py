"""Composition root of the communications service."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import Counter

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.adapters.zadarma import ZadarmaClient
from leadline.communications.config import Settings
from leadline.communications.entrypoints import http, http_mail, http_pbx, http_telephony, kafka
from leadline.communications.service.dialing import DialOutcome, dial_requests
from leadline.contracts.events import (
    CallAnsweredV1,
    CallAttachedV1,
    CallCallbackClearedV1,
    CallDetachedV1,
    CallEndedV1,
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallMovedV1,
    CallRecordingAvailableV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    DialRequestedV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailReceivedV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    EmailUnignoredV1,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.idempotency import purge_expired_keys
from leadline.contracts.runtime import ServiceRuntime
from leadline.contracts.settings import ServiceSettings

# Click-to-call through Zadarma's API runs in a consumer group of its own: a slow provider never holds up intake.
DIALER_GROUP = ".zadarma-dialer"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not isinstance(settings, Settings):
        raise TypeError("communications is configured with leadline.communications.config.Settings")
    runtime = ServiceRuntime(
        settings,
        CommunicationsUnitOfWork,
        publishes=[
            CallRegisteredV1,
            CallAnsweredV1,
            CallEndedV1,
            CallRecordingAvailableV1,
            CallCallbackClearedV1,
            CallAttachedV1,
            CallDetachedV1,
            CallMovedV1,
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
            # What the PBX webhooks turn notifications into, and the click-to-call command for gateways.
            PbxCallRingingV1,
            PbxCallAnsweredV1,
            PbxCallEndedV1,
            PbxRecordingAvailableV1,
            DialRequestedV1,
        ],
    )
    runtime.subscribe(kafka.handlers(settings.default_phone_region))
    zadarma = _zadarma_client(settings)
    if zadarma is not None:
        _dial_through(zadarma, runtime)
    purge_expired_keys(runtime)
    app = runtime.http_app(
        title="Leadline communications",
        description="Inbound calls and e-mails, matched to leads or waiting in triage: what sales apps build the "
        "Calls and E-mail tabs from; missed calls to call back and click-to-call; and the webhooks a PBX reports its "
        "calls by.",
        version="0.1.0",
        # The telephony routes first: /calls/missed is no call id.
        routers=[http_telephony.router, http.router, http_mail.router, http_pbx.router],
    )
    app.state.pbx_webhooks = http_pbx.PbxWebhooks.counted_in(
        runtime.metrics.registry,
        zadarma_secret=settings.zadarma_api_secret.get_secret_value(),
        zadarma_time_zone=settings.zadarma_time_zone or settings.company_time_zone,
        gateway_secrets={
            gateway: [secret.get_secret_value() for secret in secrets]
            for gateway, secrets in settings.telephony_webhook_secrets.items()
        },
        tolerance=timedelta(seconds=settings.telephony_webhook_tolerance_seconds),
    )
    http_pbx.answer_refusals(app)
    app.state.zadarma = zadarma  # recordings Zadarma keeps are listened to through a link its API gives
    return app


def _zadarma_client(settings: Settings) -> ZadarmaClient | None:
    """Zadarma's API, when its key and secret are set."""
    if not (settings.zadarma_api_key and settings.zadarma_api_secret.get_secret_value()):
        return None
    return ZadarmaClient(
        key=settings.zadarma_api_key,
        secret=settings.zadarma_api_secret.get_secret_value(),
        base_url=settings.zadarma_api_url,
    )


def _dial_through(client: ZadarmaClient, runtime: ServiceRuntime[CommunicationsUnitOfWork]) -> None:
    outcomes = Counter(
        "leadline_dial_requests",
        "Click-to-call requests the Zadarma dialer handled: placed, failed (the provider refused or was unreachable), "
        "stale (too old to ring anyone).",
        ["outcome"],
        registry=runtime.metrics.registry,
    )

    def counted(outcome: DialOutcome) -> None:
        outcomes.labels(outcome).inc()

    runtime.subscribe({DialRequestedV1: dial_requests(client, counted)}, group_suffix=DIALER_GROUP)
