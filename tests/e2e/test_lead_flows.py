"""The whole system from outside: a gateway publishing with a plain Kafka client, a sales app over
HTTP, a BI client reading the reporting topic. The services run as processes (see conftest)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from leadline.contracts.wire.events import CallReceivedV1, EmailReceivedV1, LeadsByStatusV1, Mailbox
from leadline.contracts.wire.topics import LEADS_BY_STATUS
from tests.support.kafka import GatewayProducer, read_until
from tests.support.services import auth
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]


def call_from(number: str, extension: str = "101") -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=f"pbx-{uuid.uuid4()}",
        caller_number=number,
        called_number="+48717000000",
        extension=extension,
        received_at=datetime.now(UTC),
    )


async def get_json(url: str, user: str) -> Any:
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers=auth(user))
        return response.json() if response.status_code == 200 else None


async def test_calls_become_leads_and_the_funnel_counts_them(stack: Stack) -> None:
    leads, communications = stack.url("leads"), stack.url("communications")
    async with httpx.AsyncClient() as sales_app:
        created = await sales_app.post(
            f"{leads}/leads",
            json={"name": "Solar panels for a warehouse", "phone": "+48 601 111 222"},
            headers=auth("anna"),
        )
        assert created.status_code == 201, created.text
        known_lead = created.json()

    async with GatewayProducer(stack.bootstrap, stack.prefix) as gateway:
        known_call = call_from("601-111-222")
        envelope = await gateway.publish(known_call)
        await gateway.publish(known_call, event_id=envelope.id)  # the gateway retried
        unknown_call = call_from("0048 602 333 444")
        await gateway.publish(unknown_call)

    async def call_of(pbx_call_id: str, state: str) -> dict[str, Any] | None:
        page = await get_json(f"{communications}/calls", "anna")
        matching = [c for c in (page or {"items": []})["items"] if c["pbx_call_id"] == pbx_call_id]
        return matching[0] if matching and matching[0]["state"] == state else None

    attached = await eventually(lambda: call_of(known_call.pbx_call_id, "attached"), what="the known caller attached")
    assert attached["lead_id"] == known_lead["id"]
    triaged = await eventually(lambda: call_of(unknown_call.pbx_call_id, "triage"), what="the unknown caller in triage")
    page = await get_json(f"{communications}/calls", "anna")
    assert [c["pbx_call_id"] for c in page["items"]].count(known_call.pbx_call_id) == 1

    async with httpx.AsyncClient() as sales_app:
        requested = await sales_app.post(
            f"{communications}/calls/{triaged['id']}/create-lead",
            json={"name": "Heat pump enquiry"},
            headers=auth("anna"),
        )
        assert requested.status_code == 202, requested.text
    now_attached = await eventually(lambda: call_of(unknown_call.pbx_call_id, "attached"), what="triaged call attached")
    new_lead = await eventually(lambda: get_json(f"{leads}/leads/{now_attached['lead_id']}", "anna"), what="lead made")
    assert (new_lead["name"], new_lead["phone"], new_lead["salesperson_id"]) == (
        "Heat pump enquiry",
        "+48602333444",
        "anna",
    )

    def latest_counts(records: list[Any]) -> dict[str, int]:
        return {r.key.decode(): LeadsByStatusV1.model_validate_json(r.value).lead_count for r in records}

    await read_until(stack.bootstrap, LEADS_BY_STATUS, stack.prefix, lambda rs: latest_counts(rs).get("new") == 2)
    copy = await eventually(lambda: get_json(f"{stack.url('documents')}/leads/{new_lead['id']}", "anna"), what="copied")
    assert copy["name"] == "Heat pump enquiry"


def email_from(sender: str, message_id: str, **more: Any) -> EmailReceivedV1:
    return EmailReceivedV1(
        message_id=message_id,
        sender=Mailbox(address=sender),
        to=[Mailbox(address="anna@leadline.example", name="Anna Nowak")],
        subject_line="Fit-out of our new office",
        sent_at=datetime.now(UTC),
        text_body="Could you send us a quote?",
        **more,
    )


async def test_an_email_becomes_a_lead_and_the_replies_in_its_thread_follow_it(stack: Stack) -> None:
    leads, communications = stack.url("leads"), stack.url("communications")
    run = uuid.uuid4().hex[:8]
    first = email_from(f"buyer-{run}@example.com", f"first-{run}@mail.example")
    async with GatewayProducer(stack.bootstrap, stack.prefix) as gateway:
        envelope = await gateway.publish(first)
        await gateway.publish(first, event_id=envelope.id)  # the gateway retried

    async def email_of(message_id: str, state: str) -> dict[str, Any] | None:
        page = await get_json(f"{communications}/emails?limit=200", "anna")
        matching = [e for e in (page or {"items": []})["items"] if e["message_id"] == message_id]
        return matching[0] if matching and matching[0]["state"] == state else None

    triaged = await eventually(lambda: email_of(first.message_id, "triage"), what="the e-mail in anna's triage")
    async with httpx.AsyncClient() as sales_app:
        requested = await sales_app.post(
            f"{communications}/emails/{triaged['id']}/create-lead", json={}, headers=auth("anna")
        )
        assert requested.status_code == 202, requested.text
    attached = await eventually(lambda: email_of(first.message_id, "attached"), what="the e-mail attached")
    lead = await eventually(lambda: get_json(f"{leads}/leads/{attached['lead_id']}", "anna"), what="the lead made")
    assert (lead["name"], lead["email"], lead["salesperson_id"]) == (
        "Fit-out of our new office",
        f"buyer-{run}@example.com",
        "anna",
    )

    # A colleague of the buyer answers in the thread, from an address no lead has.
    reply = email_from(
        f"colleague-{run}@example.com",
        f"reply-{run}@mail.example",
        in_reply_to=first.message_id,
        references=[first.message_id],
    )
    async with GatewayProducer(stack.bootstrap, stack.prefix) as gateway:
        await gateway.publish(reply)
    followed = await eventually(lambda: email_of(reply.message_id, "attached"), what="the reply attached")
    assert followed["lead_id"] == lead["id"]

    async def card_emails() -> list[dict[str, Any]] | None:
        card = await get_json(f"{leads}/leads/{lead['id']}/card", "anna")
        emails = [item for item in (card or {"communications": []})["communications"] if item["kind"] == "email"]
        return emails if len(emails) == 2 else None

    listed = await eventually(card_emails, what="the lead's card lists both e-mails")
    assert {item["id"] for item in listed} == {attached["id"], followed["id"]}
