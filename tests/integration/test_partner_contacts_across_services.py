"""A partner's contact persons, from the leads service to communications over the real broker (SQLite, and PostgreSQL
when configured): a call and an e-mail from a contact person attach to the partner's open lead as if they came from
the lead's own phone and address."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from leadline.contracts.wire.events import EmailReceivedV1, Mailbox
from tests.support.http import ok
from tests.support.integration.calls import MANAGER, a_call
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

CONTACT_EMAIL = "jan.kowalski@acme.example"


async def test_a_call_and_an_email_from_a_partners_contact_person_attach_to_the_partners_open_lead(
    leads: RunningService, communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    acme = ok(await leads.http.post("/partners", json={"name": "Acme"}, headers=MANAGER), 201)
    jan = {"name": "Jan Kowalski", "role": "Buyer", "phones": ["602 111 222"], "emails": ["Jan.Kowalski@Acme.example"]}
    ok(await leads.http.post(f"/partners/{acme['id']}/contacts", json=jan, headers=MANAGER), 201)
    lead_id = ok(
        await leads.http.post("/leads", json={"name": "Fit-out", "partner_id": acme["id"]}, headers=MANAGER), 201
    )["id"]

    # The partner's and the lead's events come on topics of their own: wait until communications has both.
    async def partner_known() -> bool:
        async with communications.runtime.unit_of_work() as uow:
            return [lead.lead_id for lead in await uow.known_leads.with_email(CONTACT_EMAIL)] == [uuid.UUID(lead_id)]

    await eventually(partner_known, what="communications knows the lead's partner and its contact person")

    call = await a_call(communications, kafka, namespace, "+48 602-111-222")
    assert (call["state"], call["lead_id"]) == ("attached", lead_id)

    message_id = f"{uuid.uuid4().hex}@acme.example"
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(
            EmailReceivedV1(
                message_id=message_id,
                sender=Mailbox(address="Jan.Kowalski@acme.example", name="Jan Kowalski"),
                to=[Mailbox(address="marta@leadline.example")],
                subject_line="The offer",
                sent_at=datetime.now(UTC),
                text_body="Please send the offer again.",
            )
        )

    async def registered() -> dict[str, Any] | None:
        emails = ok(await communications.http.get("/emails", headers=MANAGER))["items"]
        return next((email for email in emails if email["message_id"] == message_id), None)

    email = await eventually(registered, what="the e-mail was registered")
    assert (email["state"], email["lead_id"]) == ("attached", lead_id)
