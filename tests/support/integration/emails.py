"""E-mails through the real broker: a gateway's e-mail, communications' view of it over HTTP, a raw message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from leadline.contracts.wire.events import EmailReceivedV1, MailAttachment, Mailbox
from tests.support.integration.calls import lead_events_consumed
from tests.support.kafka import LocalKafka
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

ANNA, PIOTR = "anna@leadline.example", "piotr@leadline.example"


def received(
    message_id: str, *, sender: str = "jan@example.com", to: str = ANNA, subject: str = "Office fit-out", **more: Any
) -> EmailReceivedV1:
    return EmailReceivedV1(
        message_id=message_id,
        sender=Mailbox(address=sender, name="Jan Kowalski"),
        to=[Mailbox(address=to)],
        subject_line=subject,
        sent_at=datetime.now(UTC),
        text_body="Could you quote the fit-out of our office?",
        html_body="<p>Could you quote the fit-out of our office?</p>",
        attachments=[
            MailAttachment(
                file_name="plan.pdf", content_type="application/pdf", size=48213, url="https://mail.example/a/1"
            )
        ],
        **more,
    )


async def emails_of(svc: RunningService, user: str, **params: Any) -> list[dict[str, Any]]:
    response = await svc.http.get("/emails", params={"limit": 200, **params}, headers=auth(user))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def registered(svc: RunningService, message_id: str) -> dict[str, Any]:
    """The e-mail as the manager sees it, once communications has stored it."""

    async def probe() -> dict[str, Any] | None:
        return next((e for e in await emails_of(svc, "marta") if e["message_id"] == message_id), None)

    return await eventually(probe, what=f"e-mail {message_id} was registered")


async def registered_emails(svc: RunningService, count: int) -> list[dict[str, Any]]:
    """The e-mails as the manager sees them, once there are ``count``."""

    async def probe() -> list[dict[str, Any]] | None:
        emails = await emails_of(svc, "marta")
        return emails if len(emails) >= count else None

    return await eventually(probe, what=f"{count} e-mails were registered")


async def a_lead(leads: RunningService, kafka: LocalKafka, namespace: str, *, email: str, of_leads: int) -> str:
    """A lead made over HTTP, once communications' copy of the leads has it (``of_leads`` lead events in all)."""
    response = await leads.http.post("/leads", json={"name": "Biuro", "email": email}, headers=auth("anna"))
    assert response.status_code == 201, response.text

    async def consumed() -> bool:
        return await lead_events_consumed(kafka.bootstrap, namespace, at_least=of_leads)

    await eventually(consumed, what="communications consumed the lead events")
    return str(response.json()["id"])


def a_message(subject: str, *, sender: str = "Jan <jan@example.com>", body: bytes = b"Please quote.\r\n") -> bytes:
    return (
        f"From: {sender}\r\nTo: sales@shop.example, anna@leadline.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.com>\r\n\r\n"
    ).encode() + body
