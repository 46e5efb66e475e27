"""Writing e-mails from a lead, on the real broker and real databases, with the leads service beside
communications and an SMTP server (aiosmtpd, over TCP) standing for the company's relay: who may write, the sent
message's own Message-ID and threading, a customer's reply coming back to the lead by its thread, the lead's card
and history, and a refused sending visible on the e-mail and in /metrics."""

from __future__ import annotations

import asyncio
import email.policy
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from leadline.communications.adapters.tables import outbound_emails
from leadline.contracts.platform.db import create_engine
from tests.support.integration.emails import a_lead, received, registered
from tests.support.kafka import GatewayProducer, LocalKafka, free_port
from tests.support.services import RunningService, auth, running_replica, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

COMPANY = "sales@leadline.example"


@dataclass
class Relay:
    """The company's SMTP server: it takes every message, but has no mailbox ``bounce@…``, and greylists: a message to
    ``greylisted@…`` is answered 451 after DATA the first time it comes (as a greylisting server does), taken after;
    the first sender naming ``stalls@…`` never gets an answer to that RCPT (as from a hung server)."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # the Message-IDs answered 451
    stalled: threading.Event = field(default_factory=threading.Event)  # a sender was left without an answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("stalls@") and not self.stalled.is_set():
            self.stalled.set()
            await asyncio.get_running_loop().create_future()  # until the server stops
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            greylisted = any(address.startswith("greylisted@") for address in envelope.rcpt_tos)
            if greylisted and parsed["Message-ID"] not in self.deferred:
                self.deferred.append(parsed["Message-ID"])
                return "451 4.7.1 greylisted, try again later"
            self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 queued"

    def taken(self) -> list[tuple[str, list[str], EmailMessage]]:
        with self.lock:
            return list(self.messages)


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def communications_settings(relay: tuple[Relay, int]) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": relay[1],
        "smtp_security": "none",
        "mail_from_address": COMPANY,
        "mail_retry_seconds": 1.0,
    }


async def settled(svc: RunningService, written_id: str, state: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = (await svc.http.get(f"/written-emails/{written_id}", headers=auth("anna"))).json()
        return dict(found) if found["state"] == state else None

    return await eventually(probe, what=f"written e-mail {written_id} is {state}")


async def test_a_salesperson_writes_from_the_lead_the_reply_comes_back_by_its_thread_and_is_answered_in_it(
    communications: RunningService,
    leads: RunningService,
    kafka: LocalKafka,
    namespace: str,
    relay: tuple[Relay, int],
) -> None:
    smtp, _ = relay
    lead_id = await a_lead(leads, kafka, namespace, email="jan@example.com", of_leads=1)
    offer = {
        "subject": "Office fit-out: our offer",
        "text_body": "Our offer is attached.",
        "attachments": [{"file_name": "offer.txt", "content_type": "text/plain", "content_base64": "T2ZmZXIK"}],
    }
    refused = await communications.http.post(f"/leads/{lead_id}/emails", json=offer, headers=auth("piotr"))
    assert (refused.status_code, refused.json()["type"]) == (403, "urn:leadline:problem:not_your_lead")

    response = await communications.http.post(f"/leads/{lead_id}/emails", json=offer, headers=auth("anna"))
    assert response.status_code == 202, response.text
    written = await settled(communications, response.json()["id"], "sent")
    [(sender, recipients, message)] = smtp.taken()
    assert (sender, recipients, written["to"]) == (written["sender"], ["jan@example.com"], ["jan@example.com"])
    assert message["Message-ID"] == f"<{written['message_id']}>"
    assert message["Subject"] == "Office fit-out: our offer"
    [attachment] = [part for part in message.iter_attachments() if isinstance(part, EmailMessage)]
    assert (attachment.get_filename(), attachment.get_content()) == ("offer.txt", "Offer\n")

    # The customer's colleague answers from another address: the thread, not the sender, brings it to the lead.
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(
            received(
                "answer@mail.example",
                sender="eva@example.com",
                subject="Re: Office fit-out: our offer",
                in_reply_to=written["message_id"],
                references=[written["message_id"]],
            )
        )
    answer = await registered(communications, "answer@mail.example")
    assert (answer["state"], answer["lead_id"]) == ("attached", lead_id)

    again = await communications.http.post(
        f"/leads/{lead_id}/emails",
        json={"to": ["eva@example.com"], "text_body": "Thank you.", "reply_to_email_id": answer["id"]},
        headers=auth("anna"),
    )
    assert again.status_code == 202, again.text
    await settled(communications, again.json()["id"], "sent")
    _, _, threaded = smtp.taken()[1]
    assert threaded["In-Reply-To"] == "<answer@mail.example>"
    assert threaded["References"].split() == [f"<{written['message_id']}>", "<answer@mail.example>"]
    assert threaded["Subject"] == "Re: Office fit-out: our offer"

    async def on_the_card() -> set[str] | None:
        card = (await leads.http.get(f"/leads/{lead_id}/card", headers=auth("anna"))).json()
        ids = {item["id"] for item in card["communications"] if item["kind"] == "email"}
        return ids if len(ids) == 3 else None

    assert await eventually(on_the_card, what="the card lists both written e-mails and the answer") == {
        written["id"],
        again.json()["id"],
        answer["id"],
    }


async def test_an_email_the_server_refuses_fails_with_the_reason_and_is_counted(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str, relay: tuple[Relay, int]
) -> None:
    lead_id = await a_lead(leads, kafka, namespace, email="jan@example.com", of_leads=1)
    response = await communications.http.post(
        f"/leads/{lead_id}/emails",
        json={"to": ["bounce@example.com"], "subject": "Hello", "text_body": "Hello."},
        headers=auth("anna"),
    )
    assert response.status_code == 202, response.text
    failed = await settled(communications, response.json()["id"], "failed")
    assert "550" in (failed["failure_reason"] or "")
    assert relay[0].taken() == []
    metrics = (await communications.management.get("/metrics")).text
    assert 'leadline_outbound_emails_total{outcome="failed"} 1.0' in metrics


async def test_a_message_the_server_defers_is_sent_again_later_and_arrives_once(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str, relay: tuple[Relay, int]
) -> None:
    smtp, _ = relay
    lead_id = await a_lead(leads, kafka, namespace, email="greylisted@example.com", of_leads=1)
    response = await communications.http.post(
        f"/leads/{lead_id}/emails", json={"subject": "Our offer", "text_body": "Attached."}, headers=auth("anna")
    )
    assert response.status_code == 202, response.text
    sent = await settled(communications, response.json()["id"], "sent")
    assert smtp.deferred == [f"<{sent['message_id']}>"]  # the first attempt was answered 451 after DATA
    assert [message["Message-ID"] for _, _, message in smtp.taken()] == [f"<{sent['message_id']}>"]
    assert (sent["attempts"], sent["failure_reason"]) == (2, None)
    metrics = (await communications.management.get("/metrics")).text
    assert 'leadline_outbound_emails_total{outcome="retried"} 1.0' in metrics
    assert 'leadline_outbound_emails_total{outcome="sent"} 1.0' in metrics


async def test_an_email_whose_sender_died_mid_send_is_sent_once_by_another_once_its_claim_runs_out(
    leads: RunningService,
    kafka: LocalKafka,
    namespace: str,
    database_url: str,
    tmp_path: Path,
    relay: tuple[Relay, int],
    communications_settings: dict[str, Any],
) -> None:
    """A replica killed while its SMTP server has not yet answered leaves its claim on the e-mail: nothing can have
    arrived, so once the claim runs out another replica sends it, once."""
    smtp, _ = relay
    settings = communications_settings | {"smtp_timeout_seconds": 1.0, "mail_send_lease_seconds": 3.5}
    service = {
        "database_url": database_url,
        "bootstrap": kafka.bootstrap,
        "topic_prefix": namespace,
        "blob_dir": tmp_path / "blobs",
        **settings,
    }
    async with running_service("communications", **service) as dying:
        lead_id = await a_lead(leads, kafka, namespace, email="stalls@example.com", of_leads=1)
        response = await dying.http.post(
            f"/leads/{lead_id}/emails", json={"subject": "Our offer", "text_body": "Attached."}, headers=auth("anna")
        )
        assert response.status_code == 202, response.text
        written_id = response.json()["id"]
        assert await asyncio.to_thread(smtp.stalled.wait, 30), "the sender reached the server"
    # Stopped while waiting for the server's answer, well within the SMTP timeout: as a kill would leave it.
    assert await _state_of(database_url, written_id) == "sending"

    async with running_replica("communications", **service) as survivor:
        sent = await settled(survivor, written_id, "sent")
    assert [message["Message-ID"] for _, _, message in smtp.taken()] == [f"<{sent['message_id']}>"]
    assert (sent["attempts"], sent["failure_reason"]) == (2, None)


async def _state_of(database_url: str, written_id: str) -> str:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            query = select(outbound_emails.c.state).where(outbound_emails.c.id == uuid.UUID(written_id))
            return str((await connection.execute(query)).scalar_one())
    finally:
        await engine.dispose()
