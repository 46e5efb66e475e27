"""Composition root of the communications service, and of its IMAP connector process."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import prometheus_client
from fastapi import FastAPI
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from leadline.communications.adapters.blobs import BlobStore, LocalBlobStore
from leadline.communications.adapters.s3 import Credentials, S3BlobStore
from leadline.communications.adapters.smtp import RelaySettings, SmtpRelay
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.adapters.zadarma import ZadarmaClient
from leadline.communications.config import Settings
from leadline.communications.entrypoints import (
    http_calls,
    http_email_files,
    http_emails,
    http_mail,
    http_outbound,
    http_pbx,
    http_telephony,
    kafka,
)
from leadline.communications.entrypoints.imap import MailboxConnector, Mailboxes
from leadline.communications.entrypoints.mail_receiver import MailHandler, MailReceiver, Recipients
from leadline.communications.service.dialing import DialOutcome, dial_requests
from leadline.communications.service.outbound import OutboundSender, SendingPolicy
from leadline.contracts.platform.idempotency import purge_expired_keys
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.events import (
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
    EmailSendFailedV1,
    EmailSentV1,
    EmailUnignoredV1,
    EmailWrittenV1,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)

# A lead's e-mail may carry attachments up to the message limit, base64-encoded (4 characters for 3 bytes) in JSON.
JSON_OVERHEAD = 64 * 1024
# Click-to-call through Zadarma's API runs in a consumer group of its own: a slow provider never holds up intake.
DIALER_GROUP = ".zadarma-dialer"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not isinstance(settings, Settings):
        raise TypeError("communications is configured with leadline.communications.config.Settings")
    runtime = _runtime(
        settings,
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
            EmailWrittenV1,
            EmailSentV1,
            EmailSendFailedV1,
            EmailReceivedV1,  # what the mail adapters (upload, LMTP/SMTP receiver) turn received messages into
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
    blobs = blob_store(settings)
    mail = MailMetrics()
    runtime.metrics.registry.register(mail)
    if settings.mail_receiver_port:
        handler = MailHandler(
            runtime.unit_of_work,
            blobs,
            Recipients(settings.mail_recipient_domains, settings.mail_recipient_addresses),
            per_recipient=settings.mail_receiver_protocol == "lmtp",
        )
        receiver = MailReceiver(
            handler,
            host=settings.mail_receiver_host,
            port=settings.mail_receiver_port,
            protocol=settings.mail_receiver_protocol,
            max_message_bytes=settings.mail_max_message_bytes,
        )
        mail.received = handler.outcomes
        runtime.alongside(receiver.serving)
    sender = None
    if settings.smtp_host:
        sender = outbound_sender(settings, runtime, blobs)
        mail.sending = sender
        runtime.alongside(functools.partial(_background, sender))
    max_body = settings.mail_max_message_bytes
    app = runtime.http_app(
        title="Leadline communications",
        description="Inbound calls and e-mails, matched to leads or waiting in triage: what sales apps build the "
        "Calls and E-mail tabs from; missed calls to call back and click-to-call; the webhooks a PBX reports its "
        "calls by; and e-mails written from leads, sent through the company's SMTP server.",
        version="0.1.0",
        # The telephony routes first: /calls/missed is no call id.
        routers=[
            http_telephony.router,
            http_calls.router,
            http_emails.router,
            http_mail.router,
            http_email_files.router,
            http_outbound.router,
            http_pbx.router,
        ],
        body_limits={
            ("POST", "/mail/messages"): max_body,
            ("POST", "/leads/{lead_id}/emails"): max_body * 4 // 3 + JSON_OVERHEAD,
        },
    )
    app.state.blobs = blobs
    app.state.outbound_sender = sender
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


@contextlib.asynccontextmanager
async def _background(sender: OutboundSender) -> AsyncIterator[None]:
    task = asyncio.create_task(sender.run(), name="communications-outbound-email")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _runtime(settings: Settings, **kwargs: object) -> ServiceRuntime[CommunicationsUnitOfWork]:
    unit_of_work = functools.partial(
        CommunicationsUnitOfWork, shared_addresses=frozenset(settings.mail_shared_addresses)
    )
    return ServiceRuntime(settings, unit_of_work, **kwargs)  # type: ignore[arg-type]


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
    outcomes = prometheus_client.Counter(
        "leadline_dial_requests",
        "Click-to-call requests the Zadarma dialer handled: placed, failed (the provider refused or was unreachable), "
        "stale (too old to ring anyone).",
        ["outcome"],
        registry=runtime.metrics.registry,
    )

    def counted(outcome: DialOutcome) -> None:
        outcomes.labels(outcome).inc()

    runtime.subscribe({DialRequestedV1: dial_requests(client, counted)}, group_suffix=DIALER_GROUP)


def blob_store(settings: Settings) -> BlobStore:
    if settings.blobs_in_s3:
        return S3BlobStore(
            endpoint=settings.blob_s3_endpoint,
            bucket=settings.blob_s3_bucket,
            prefix=settings.blob_s3_prefix,
            credentials=Credentials(
                settings.blob_s3_access_key_id,
                settings.blob_s3_secret_access_key.get_secret_value(),
                settings.blob_s3_region,
            ),
            max_bytes=settings.mail_max_message_bytes,
        )
    return LocalBlobStore(settings.local_blob_dir, settings.mail_max_message_bytes)


def outbound_sender(
    settings: Settings, runtime: ServiceRuntime[CommunicationsUnitOfWork], blobs: BlobStore
) -> OutboundSender:
    relay = SmtpRelay(
        RelaySettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value(),
            timeout_seconds=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
        )
    )
    policy = SendingPolicy(
        attempts=settings.mail_send_attempts,
        retry_after=timedelta(seconds=settings.mail_retry_seconds),
        lease=timedelta(seconds=settings.mail_send_lease_seconds),
    )
    return OutboundSender(
        runtime.unit_of_work, blobs, relay, policy, poll_seconds=min(5.0, settings.mail_retry_seconds)
    )


def create_mailboxes(settings: Settings) -> tuple[ServiceRuntime[CommunicationsUnitOfWork], Mailboxes]:
    """The IMAP connector process (`python -m leadline.communications mailboxes`): the configured mailboxes' connectors
    and an outbox relay for the events they write, on the communications database; no HTTP, no consumers."""
    runtime = _runtime(settings, publishes=[EmailReceivedV1])
    blobs = blob_store(settings)
    mailboxes = Mailboxes(
        [MailboxConnector(mailbox, runtime.unit_of_work, blobs) for mailbox in settings.imap_mailboxes]
    )
    runtime.alongside(mailboxes.running)
    return runtime, mailboxes


class MailMetrics(Collector):
    """The mail receiver's outcomes and the sending queue, for /metrics."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.sending: OutboundSender | None = None

    def collect(self) -> Iterator[Metric]:
        received = CounterMetricFamily(
            "leadline_mail_received",
            "Messages the LMTP/SMTP receiver read: accepted, refused (for good), deferred (the MTA retries); "
            "those over the size limit are refused before they are read, and not counted.",
            labels=["outcome"],
        )
        for outcome in ("accepted", "refused", "deferred"):
            received.add_metric([outcome], self.received[outcome])
        yield received
        if self.sending is None:
            return
        sent = CounterMetricFamily(
            "leadline_outbound_emails",
            "Attempts to send e-mails written from leads: sent, retried (a failure that may pass), failed (for good).",
            labels=["outcome"],
        )
        for outcome in ("sent", "retried", "failed"):
            sent.add_metric([outcome], self.sending.outcomes[outcome])
        queue = GaugeMetricFamily(
            "leadline_outbound_email_queue",
            "E-mails written from leads by state, as the sender last counted: failed ones need a person.",
            labels=["state"],
        )
        for state in ("queued", "sending", "sent", "failed"):
            queue.add_metric([state], self.sending.queue.get(state, 0))
        yield sent
        yield queue


def documented_app() -> FastAPI:
    """The app the committed documents describe (``leadline-contracts``): no database behind it."""
    return create_app(Settings(database_url="sqlite+aiosqlite://"))
