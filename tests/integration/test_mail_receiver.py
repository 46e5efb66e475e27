"""The LMTP receiver as Postfix's `mailbox_transport` would speak to it — the standard library's LMTP client, one
answer per accepted recipient after DATA — beside communications on the real broker and a real database: what it
accepts is stored (raw message and attachments) and registered once; what it refuses gets an answer an MTA acts on
(5xx bounces, per recipient), and the next message still comes in."""

from __future__ import annotations

import asyncio
import smtplib
from typing import Any

import pytest

from tests.support.integration.emails import a_message, registered_emails
from tests.support.kafka import free_port
from tests.support.services import RunningService, auth

pytestmark = pytest.mark.kafka

LIMIT = 64 * 1024


@pytest.fixture
def communications_settings() -> dict[str, Any]:
    return {
        "mail_max_message_bytes": LIMIT,
        "mail_receiver_port": free_port(),
        "mail_receiver_protocol": "lmtp",
        "mail_recipient_domains": "leadline.example",
        "mail_recipient_addresses": "sales@shop.example",
    }


def lmtp(svc: RunningService) -> smtplib.LMTP:
    client = smtplib.LMTP("127.0.0.1", svc.app.state.runtime.settings.mail_receiver_port, timeout=30)
    client.ehlo_or_helo_if_needed()
    return client


def deliver(svc: RunningService, raw: bytes, recipients: list[str]) -> dict[str, Any]:
    """One LMTP transaction: each recipient's RCPT answer, then each accepted recipient's DATA answer."""
    client = lmtp(svc)
    try:
        assert client.mail("customer@example.com")[0] == 250
        rcpt = {address: client.rcpt(address) for address in recipients}
        accepted = [address for address, (code, _) in rcpt.items() if code == 250]
        data: list[tuple[int, bytes]] = []
        if accepted:
            data.append(client.data(raw))
            data.extend(client.getreply() for _ in accepted[1:])
        return {"rcpt": {a: code for a, (code, _) in rcpt.items()}, "data": data}
    finally:
        client.quit()


def declare_size(svc: RunningService, size: int) -> tuple[int, bytes]:
    client = lmtp(svc)
    try:
        return client.mail("customer@example.com", options=[f"SIZE={size}"])
    finally:
        client.quit()


async def test_an_mta_gets_one_answer_per_recipient_and_the_message_is_stored_once(
    communications: RunningService,
) -> None:
    raw = a_message("Desks for forty")
    answers = await asyncio.to_thread(
        deliver, communications, raw, ["sales@shop.example", "someone@elsewhere.example", "anna@leadline.example"]
    )
    assert answers["rcpt"] == {
        "sales@shop.example": 250,
        "someone@elsewhere.example": 550,
        "anna@leadline.example": 250,
    }
    assert [code for code, _ in answers["data"]] == [250, 250]  # LMTP: one per accepted recipient
    again = await asyncio.to_thread(deliver, communications, raw, ["sales@shop.example"])  # the MTA retried
    assert [code for code, _ in again["data"]] == [250]

    [email] = await registered_emails(communications, 1)
    assert (email["message_id"], email["subject_line"]) == ("Desks-for-forty@example.com", "Desks for forty")
    stored = await communications.http.get(f"/emails/{email['id']}/raw", headers=auth("marta"))
    assert (stored.status_code, stored.content) == (200, raw)


async def test_malformed_and_oversized_messages_are_refused_per_recipient_and_the_next_one_comes_in(
    communications: RunningService,
) -> None:
    recipients = ["sales@shop.example", "anna@leadline.example"]
    no_sender = await asyncio.to_thread(deliver, communications, a_message("No sender", sender="nobody"), recipients)
    assert [code for code, _ in no_sender["data"]] == [550, 550]
    assert b"5.6.0" in no_sender["data"][0][1]

    oversized = a_message("Too large", body=b"x" * 70 + b"\r\n") * (LIMIT // 70 + 10)
    too_large = await asyncio.to_thread(deliver, communications, oversized, recipients)
    assert [code for code, _ in too_large["data"]] == [552, 552]

    code, _ = await asyncio.to_thread(declare_size, communications, LIMIT + 1)
    assert code == 552  # refused before the message is sent, from the size it declares

    fine = await asyncio.to_thread(deliver, communications, a_message("After the refusals"), recipients)
    assert [code for code, _ in fine["data"]] == [250, 250]
    [email] = await registered_emails(communications, 1)
    assert email["subject_line"] == "After the refusals"

    metrics = (await communications.management.get("/metrics")).text
    # the one without a sender; the oversized ones are refused by the protocol before the receiver reads them
    assert 'leadline_mail_received_total{outcome="refused"} 1.0' in metrics
    assert 'leadline_mail_received_total{outcome="accepted"} 1.0' in metrics


async def test_an_upload_over_the_limit_is_refused_with_a_problem(communications: RunningService) -> None:
    oversized = a_message("Too large", body=b"x" * 70 + b"\r\n") * (LIMIT // 70 + 10)
    response = await communications.http.post(
        "/mail/messages", content=oversized, headers={**auth("marta"), "Content-Type": "message/rfc822"}
    )
    assert (response.status_code, response.headers["content-type"]) == (413, "application/problem+json")
    fine = await communications.http.post(
        "/mail/messages", content=a_message("Small"), headers={**auth("marta"), "Content-Type": "message/rfc822"}
    )
    assert fine.status_code == 202, fine.text
