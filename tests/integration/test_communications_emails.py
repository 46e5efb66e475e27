"""E-mails end to end on the real broker and a real database (SQLite, and PostgreSQL when configured): the mail
gateway's records in, triage over HTTP, and with the leads service beside it, leads made from e-mails."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import EmailAttachedV1, EmailRegisteredV1
from leadline.contracts.wire.topics import EMAIL, MAIL_EMAIL
from tests.support.integration.calls import offsets
from tests.support.integration.emails import ANNA, PIOTR, a_lead, emails_of, received, registered
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, payload_of, read_until
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


async def test_a_retried_email_is_stored_once_and_a_malformed_one_dead_lettered_while_intake_goes_on(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    email = received("retried@mail.example")
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        first = await gateway.publish(email)
        await gateway.publish(email, event_id=first.id)  # a retry: the same CloudEvent again
        await gateway.publish(email)  # re-sent as a new CloudEvent about the same message
        bad = received("bad@mail.example")
        template = Envelope.wrap(bad, source="test-gateway")
        no_sender = bad.model_dump(mode="json") | {"sender": {"address": "nobody"}}
        ce_headers = [(k, v) for k, v in template.kafka_headers() if k != "ce_id"]
        await gateway.publish_raw(MAIL_EMAIL.name, json.dumps(no_sender).encode(), [*ce_headers, ("ce_id", b"bad")])
        await gateway.publish(received("after@mail.example"))

    await registered(communications, "after@mail.example")
    assert sorted(e["message_id"] for e in await emails_of(communications, "marta")) == [
        "after@mail.example",
        "retried@mail.example",
    ]

    async def all_consumed() -> bool:
        return await offsets(kafka.bootstrap, namespace, MAIL_EMAIL) == (5, 5)

    await eventually(all_consumed, what="communications consumed the five gateway records")
    [dead] = await read_until(kafka.bootstrap, MAIL_EMAIL.dead_letter, namespace, lambda rs: len(rs) >= 1)
    headers = headers_of(dead)
    assert (headers["ce_id"], headers["dlq_error_class"]) == ("bad", "ValidationError")
    assert "sender.address" in headers["dlq_error_message"]

    records = await read_until(kafka.bootstrap, EMAIL, namespace, lambda rs: len(rs) >= 2)
    registrations = [payload_of(r)["message_id"] for r in records if headers_of(r)["ce_type"] == EmailRegisteredV1.type]
    assert sorted(registrations) == ["after@mail.example", "retried@mail.example"]


async def test_a_salesperson_sees_and_decides_only_the_emails_addressed_to_them(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("to-anna@mail.example", to=ANNA))
        await gateway.publish(received("to-piotr@mail.example", to=PIOTR))
    email = await registered(communications, "to-anna@mail.example")
    await registered(communications, "to-piotr@mail.example")

    assert [e["message_id"] for e in await emails_of(communications, "anna", ready="true")] == ["to-anna@mail.example"]
    assert email["attachments"] == [
        {
            "file_name": "plan.pdf",
            "content_type": "application/pdf",
            "size": 48213,
            "url": "https://mail.example/a/1",
            "sha256": None,  # kept by the gateway, not in Leadline's blob store
        }
    ]
    refused = await communications.http.post(f"/emails/{email['id']}/ignore", headers=auth("piotr"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "urn:leadline:problem:not_addressed_to_you"

    ignored = await communications.http.post(f"/emails/{email['id']}/ignore", headers=auth("anna"))
    assert (ignored.status_code, ignored.json()["state"]) == (200, "ignored")
    assert await emails_of(communications, "anna", ready="true") == []
    again = await communications.http.post(f"/emails/{email['id']}/ignore", headers=auth("anna"))
    assert (again.status_code, again.json()["type"]) == (409, "urn:leadline:problem:email_already_decided")
    back = await communications.http.post(f"/emails/{email['id']}/unignore", headers=auth("anna"))
    assert (back.status_code, back.json()["state"]) == (200, "triage")

    extra = await communications.http.post(
        f"/emails/{email['id']}/create-lead", json={"name": "x", "phone": "1"}, headers=auth("anna")
    )
    assert extra.status_code == 422
    assert extra.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in extra.json()["errors"]] == [("phone", "extra_forbidden")]


async def test_an_email_attaches_to_its_senders_lead_and_a_reply_from_a_colleague_by_its_thread(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead_id = await a_lead(leads, kafka, namespace, email="Jan@Example.com", of_leads=1)
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("first@mail.example", sender="JAN@example.com"))
        first = await registered(communications, "first@mail.example")
        assert (first["state"], first["lead_id"]) == ("attached", lead_id)
        await gateway.publish(
            received(
                "reply@mail.example",
                sender="eva@example.com",
                in_reply_to="first@mail.example",
                references=["first@mail.example"],
            )
        )
    reply = await registered(communications, "reply@mail.example")
    assert (reply["state"], reply["lead_id"]) == ("attached", lead_id)

    async def both_on_the_card() -> list[dict[str, Any]] | None:
        card = (await leads.http.get(f"/leads/{lead_id}/card", headers=auth("anna"))).json()
        emails = [item for item in card["communications"] if item["kind"] == "email"]
        return emails if len(emails) == 2 else None

    listed = await eventually(both_on_the_card, what="the lead's card lists both e-mails")
    assert {item["id"] for item in listed} == {first["id"], reply["id"]}
    assert any(item["label"].startswith("eva@example.com, Office fit-out, ") for item in listed)


async def test_a_lead_created_from_an_email_takes_it_and_its_card_lists_it(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("enquiry@mail.example", subject="Quote for 40 desks"))
    email = await registered(communications, "enquiry@mail.example")
    assert email["state"] == "triage"

    response = await communications.http.post(f"/emails/{email['id']}/create-lead", json={}, headers=auth("anna"))
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/emails/{email['id']}"
    lead_id = response.json()["lead_id"]

    async def lead() -> dict[str, Any] | None:
        found = await leads.http.get(f"/leads/{lead_id}", headers=auth("anna"))
        return dict(found.json()) if found.status_code == 200 else None

    created = await eventually(lead, what="the leads service created the lead the e-mail asked for")
    assert (created["name"], created["email"], created["salesperson_id"]) == (
        "Quote for 40 desks",
        "jan@example.com",
        "anna",
    )

    async def attached() -> dict[str, Any] | None:
        found = (await communications.http.get(f"/emails/{email['id']}", headers=auth("anna"))).json()
        return dict(found) if found["state"] == "attached" else None

    taken = await eventually(attached, what="the e-mail became attached to the lead made from it")
    assert (taken["lead_id"], taken["decided_by"]) == (lead_id, "anna")

    async def on_the_card() -> list[dict[str, Any]] | None:
        card = (await leads.http.get(f"/leads/{lead_id}/card", headers=auth("anna"))).json()
        return [item for item in card["communications"] if item["kind"] == "email"] or None

    [item] = await eventually(on_the_card, what="the lead's card lists the e-mail")
    assert item["id"] == email["id"]
    assert item["label"].startswith("jan@example.com, Quote for 40 desks, ")
    refused = await leads.http.delete(f"/leads/{lead_id}", headers=auth("anna"))
    assert (refused.status_code, refused.json()["type"]) == (409, "urn:leadline:problem:leads_has_links")

    records = await read_until(
        kafka.bootstrap, EMAIL, namespace, lambda rs: any(headers_of(r)["ce_type"] == EmailAttachedV1.type for r in rs)
    )
    [attachment] = [
        EmailAttachedV1.model_validate_json(r.value or b"")
        for r in records
        if headers_of(r)["ce_type"] == EmailAttachedV1.type
    ]
    assert (str(attachment.email_id), str(attachment.lead_id), attachment.how) == (email["id"], lead_id, "lead_created")


UPLOADED = (
    b"From: Jan Kowalski <jan@example.com>\r\nTo: Anna Nowak <anna@leadline.example>\r\n"
    b"Subject: Biurka dla 40 os\xc3\xb3b\r\nDate: Mon, 02 Mar 2026 09:30:00 +0100\r\n"
    b"Message-ID: <uploaded@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\nCzy mo\xc5\xbcemy prosi\xc4\x87 o wycen\xc4\x99?\r\n"
)


async def test_an_uploaded_message_is_taken_in_through_the_gateway_topic_once(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    rfc822 = {**auth("marta"), "Content-Type": "message/rfc822"}
    for _ in range(2):  # the mail server retried the upload
        response = await communications.http.post("/mail/messages", content=UPLOADED, headers=rfc822)
        assert response.status_code == 202, response.text
        assert response.json() == {"message_id": "uploaded@mail.example"}

    email = await registered(communications, "uploaded@mail.example")
    assert (email["sender"], email["subject_line"]) == ("jan@example.com", "Biurka dla 40 osób")
    assert (email["text_body"] or "").strip() == "Czy możemy prosić o wycenę?"
    assert [e["message_id"] for e in await emails_of(communications, "anna")] == ["uploaded@mail.example"]
    gateway_records = await read_until(kafka.bootstrap, MAIL_EMAIL, namespace, lambda rs: len(rs) >= 2)
    assert {r.key for r in gateway_records} == {b"uploaded@mail.example"}

    async def both_consumed() -> bool:
        return await offsets(kafka.bootstrap, namespace, MAIL_EMAIL) == (2, 2)

    await eventually(both_consumed, what="communications took both uploads in")
    assert len(await emails_of(communications, "marta")) == 1

    salesperson = await communications.http.post(
        "/mail/messages", content=UPLOADED, headers={**auth("anna"), "Content-Type": "message/rfc822"}
    )
    assert salesperson.status_code == 403
    not_a_message = await communications.http.post("/mail/messages", json={"from": "x"}, headers=auth("marta"))
    assert (not_a_message.status_code, not_a_message.headers["content-type"]) == (415, "application/problem+json")
    no_sender = await communications.http.post("/mail/messages", content=b"Subject: hi\r\n\r\nbody\r\n", headers=rfc822)
    assert no_sender.status_code == 422
    assert [(e["field"], e["rule"]) for e in no_sender.json()["errors"]] == [("From", "missing_sender")]


@pytest.mark.parametrize("blob_store", ["directory", "s3"])
async def test_a_large_upload_is_streamed_into_the_store_and_back_to_whom_may_see_it(
    communications: RunningService,
) -> None:
    attachment = bytes(range(256)) * (3 * 1024 * 1024 // 256)  # 3 MiB: over the old 1 MiB body limit
    raw = (
        b"From: Jan Kowalski <jan@example.com>\r\nTo: anna@leadline.example\r\nSubject: Plans\r\n"
        b"Message-ID: <large@mail.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe plans.\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename=plans.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(attachment).replace(b"\n", b"\r\n")
        + b"--b--\r\n"
    )
    response = await communications.http.post(
        "/mail/messages", content=raw, headers={**auth("marta"), "Content-Type": "message/rfc822"}
    )
    assert response.status_code == 202, response.text
    email = await registered(communications, "large@mail.example")

    stored = await communications.http.get(f"/emails/{email['id']}/raw", headers=auth("anna"))
    assert (stored.status_code, stored.content) == (200, raw)
    file = await communications.http.get(f"/emails/{email['id']}/attachments/1", headers=auth("anna"))
    assert (file.status_code, file.content) == (200, attachment)
    assert email["attachments"][0]["sha256"] == hashlib.sha256(attachment).hexdigest()
    not_hers = await communications.http.get(f"/emails/{email['id']}/raw", headers=auth("piotr"))
    assert not_hers.status_code == 403, not_hers.text
