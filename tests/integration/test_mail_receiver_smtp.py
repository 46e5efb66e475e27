"""The receiver in plain SMTP mode (`MAIL_RECEIVER_PROTOCOL=smtp`, for a relay's `transport_maps`), spoken to with
the standard library's SMTP client as a relay would: one answer after DATA for the whole message, recipients it
does not take mail for refused at RCPT, a message without a usable sender or over the limit refused with a code the
relay bounces on; what it accepts is stored as it came and registered once."""

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
        "mail_receiver_protocol": "smtp",
        "mail_recipient_domains": "leadline.example",
        "mail_recipient_addresses": "sales@shop.example",
    }


def send(svc: RunningService, raw: bytes, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
    """As a relay hands a message on: the recipients refused at RCPT come back, any refusal of DATA raises."""
    with smtplib.SMTP("127.0.0.1", svc.app.state.runtime.settings.mail_receiver_port, timeout=30) as client:
        return client.sendmail("customer@example.com", recipients, raw)


async def test_a_relay_speaking_smtp_gets_its_message_stored_once_and_refusals_it_can_bounce(
    communications: RunningService,
) -> None:
    raw = a_message("Shelves for the warehouse")
    refused = await asyncio.to_thread(
        send, communications, raw, ["sales@shop.example", "someone@elsewhere.example", "anna@leadline.example"]
    )
    assert {address: code for address, (code, _) in refused.items()} == {"someone@elsewhere.example": 550}
    assert await asyncio.to_thread(send, communications, raw, ["sales@shop.example"]) == {}  # the relay retried

    with pytest.raises(smtplib.SMTPDataError) as no_sender:
        await asyncio.to_thread(send, communications, a_message("No sender", sender="nobody"), ["sales@shop.example"])
    assert no_sender.value.smtp_code == 550
    assert b"5.6.0" in no_sender.value.smtp_error

    oversized = a_message("Too large", body=b"x" * 70 + b"\r\n") * (LIMIT // 70 + 10)
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as too_large:
        await asyncio.to_thread(send, communications, oversized, ["sales@shop.example"])
    assert too_large.value.smtp_code == 552

    [email] = await registered_emails(communications, 1)
    assert (email["message_id"], email["subject_line"]) == (
        "Shelves-for-the-warehouse@example.com",
        "Shelves for the warehouse",
    )
    stored = await communications.http.get(f"/emails/{email['id']}/raw", headers=auth("marta"))
    assert (stored.status_code, stored.content) == (200, raw)
    metrics = (await communications.management.get("/metrics")).text
    assert 'leadline_mail_received_total{outcome="accepted"} 2.0' in metrics  # the retry is taken in, stored once
    assert 'leadline_mail_received_total{outcome="refused"} 1.0' in metrics
