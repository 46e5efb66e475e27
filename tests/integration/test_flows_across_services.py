"""Flows that cross services, on the real broker and each service's own database (SQLite, and PostgreSQL when
configured): nothing is left behind a deleted lead whatever the interleaving of the delete with an attach or an
order, and a lead request the leads service refuses brings its call back to triage, to be retried."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from leadline.communications.service import triage as communications_triage
from leadline.communications.service.commands import Attach
from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallAttachedV1
from leadline.contracts.wire.topics import CALL, LEAD
from leadline.documents.service import documents as documents_use_cases
from leadline.leads.adapters.configuration_cache import configuration_changed
from leadline.leads.adapters.tables import statuses
from leadline.leads.service import links
from tests.support.databases import another_database
from tests.support.http import ok
from tests.support.integration.calls import MANAGER, a_call
from tests.support.kafka import LocalKafka, consumed, end_offset
from tests.support.races import contended, one_more_waits
from tests.support.services import RunningService, consumption_paused, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}))
PHONE = "+48601234567"


@pytest.fixture
async def documents(
    kafka: LocalKafka, namespace: str, database_url: str, tmp_path: Path
) -> AsyncIterator[RunningService]:
    async with (
        another_database(database_url, tmp_path, "documents") as url,
        running_service("documents", database_url=url, bootstrap=kafka.bootstrap, topic_prefix=namespace) as svc,
    ):
        yield svc


async def a_lead(leads: RunningService, *known_by: RunningService) -> str:
    """Marta's lead, once the services named have heard of it."""
    lead_id: str = ok(await leads.http.post("/leads", json={"name": "Fit-out", "phone": PHONE}, headers=MANAGER), 201)[
        "id"
    ]

    async def known() -> bool:
        for service in known_by:
            async with service.runtime.unit_of_work() as uow:
                if await uow.known_leads.get(uuid.UUID(lead_id)) is None:
                    return False
        return True

    await eventually(known, what="communications heard of the lead")
    return lead_id


async def a_call_in_triage(communications: RunningService, kafka: LocalKafka, namespace: str) -> dict[str, Any]:
    call = await a_call(communications, kafka, namespace, "+48 699 000 111")  # no lead has the number
    assert call["state"] == "triage"
    return call


async def back_in_triage(communications: RunningService, call_id: str) -> dict[str, Any]:
    async def returned() -> dict[str, Any] | None:
        call: dict[str, Any] = ok(await communications.http.get(f"/calls/{call_id}", headers=MANAGER))
        return call if call["state"] == "triage" and call["returned"] else None

    return await eventually(returned, what="the call came back to triage")


async def linked_items(leads: RunningService, lead_id: str) -> list[Any]:
    async with leads.runtime.unit_of_work() as uow:
        return list(await uow.links.of(uuid.UUID(lead_id)))


async def test_a_call_attached_while_its_lead_is_deleted_comes_back_to_triage(
    leads: RunningService, communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead_id = await a_lead(leads, communications)
    call = await a_call_in_triage(communications, kafka, namespace)

    # Leads reads the attachment only after it deleted the lead: its event is on the way when the delete comes.
    async with consumption_paused(leads):
        attached = ok(
            await communications.http.post(f"/calls/{call['id']}/attach", json={"lead_id": lead_id}, headers=MANAGER)
        )
        assert (attached["state"], attached["lead_id"]) == ("attached", lead_id)
        ok(await leads.http.delete(f"/leads/{lead_id}", headers=MANAGER), 204)

    returned = await back_in_triage(communications, call["id"])
    assert (returned["lead_id"], returned["returned"]["reason"], returned["returned"]["lead_id"]) == (
        None,
        "lead_deleted",
        lead_id,
    )
    refused = await communications.http.post(f"/calls/{call['id']}/attach", json={"lead_id": lead_id}, headers=MANAGER)
    assert (refused.status_code, refused.json()["type"]) == (404, "urn:leadline:problem:lead_not_found")

    async def leads_read_both() -> bool:  # the attachment, after the deletion, and the return to triage
        held, processed = await consumed(kafka.bootstrap, namespace, CALL, "leads")
        return held == processed >= 3

    await eventually(leads_read_both, what="leads read the call's attachment and its return")
    assert await linked_items(leads, lead_id) == []
    assert (await leads.http.get(f"/leads/{lead_id}", headers=MANAGER)).status_code == 404


async def test_an_attach_in_progress_holds_its_lead_and_its_deletion_waits_for_it(
    leads: RunningService, communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead_id = await a_lead(leads, communications)
    call = await a_call_in_triage(communications, kafka, namespace)

    async with communications.runtime.unit_of_work() as attaching:
        command = Attach(uuid.UUID(call["id"]), uuid.UUID(lead_id))
        await communications_triage.attach(attaching, attaching.calls, command, MARTA)
        ok(await leads.http.delete(f"/leads/{lead_id}", headers=MANAGER), 204)  # leads knows of no attachment yet
        await one_more_waits(communications.runtime.sessions)  # communications read the deletion: it waits
        await attaching.commit()

    returned = await back_in_triage(communications, call["id"])
    assert returned["returned"]["reason"] == "lead_deleted"


async def test_a_link_being_written_holds_its_lead_and_a_delete_waits_then_is_refused(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead_id = ok(await leads.http.post("/leads", json={"name": "Fit-out"}, headers=MANAGER), 201)["id"]
    call_id = uuid.uuid4()
    attachment = CallAttachedV1(
        call_id=call_id,
        lead_id=uuid.UUID(lead_id),
        how="chosen",
        attached_by="marta",
        attached_at=datetime.now(UTC),
        caller_number=PHONE,
        received_at=datetime.now(UTC),
    )

    async with leads.runtime.unit_of_work() as linking:
        envelope = Envelope.wrap(attachment, source="leadline/communications")
        await links.communications_linked(linking, [(attachment, envelope)])
        deleting = await contended(leads.runtime.sessions, leads.http.delete(f"/leads/{lead_id}", headers=MANAGER))
        await linking.commit()

    refused = await deleting
    assert (refused.status_code, refused.json()["type"]) == (409, "urn:leadline:problem:leads_has_links")
    assert [link.item_id for link in await linked_items(leads, lead_id)] == [str(call_id)]


async def an_order_type(leads: RunningService, documents: RunningService) -> None:
    ok(await leads.http.put("/settings/order_type", json={"value": "ZS"}, headers=MANAGER))

    async def known() -> bool:
        async with documents.runtime.unit_of_work() as uow:
            return bool((await uow.settings.all()).get("order_type") == "ZS")

    await eventually(known, what="documents read the order type")


async def a_lead_documents_know(leads: RunningService, documents: RunningService) -> str:
    lead_id = ok(await leads.http.post("/leads", json={"name": "Fit-out"}, headers=MANAGER), 201)["id"]

    async def copied() -> bool:
        return (await documents.http.get(f"/leads/{lead_id}", headers=MANAGER)).status_code == 200

    await eventually(copied, what="documents copied the lead")
    return str(lead_id)


async def test_an_order_made_while_its_lead_is_deleted_is_cancelled_and_no_other_is_made(
    leads: RunningService, documents: RunningService
) -> None:
    await an_order_type(leads, documents)
    lead_id = await a_lead_documents_know(leads, documents)

    async with consumption_paused(leads):
        order = ok(await documents.http.post(f"/leads/{lead_id}/orders", headers=MANAGER), 201)
        ok(await leads.http.delete(f"/leads/{lead_id}", headers=MANAGER), 204)

    async def cancelled() -> dict[str, Any] | None:
        found: dict[str, Any] = ok(await documents.http.get(f"/orders/{order['id']}", headers=MANAGER))
        return found if found["status"] == "cancelled" else None

    settled = await eventually(cancelled, what="documents cancelled the deleted lead's draft")
    assert settled["lead"] == {"lead_id": lead_id, "name": "Fit-out", "deleted": True}
    refused = await documents.http.post(f"/leads/{lead_id}/orders", headers=MANAGER)
    assert (refused.status_code, refused.json()["type"]) == (409, "urn:leadline:problem:lead_deleted")
    assert await linked_items(leads, lead_id) == []


async def test_an_order_being_made_holds_its_lead_and_the_deletion_settles_it_after(
    leads: RunningService, documents: RunningService
) -> None:
    await an_order_type(leads, documents)
    lead_id = await a_lead_documents_know(leads, documents)

    async with documents.runtime.unit_of_work() as making:
        made = await documents_use_cases.make_from_lead(
            making, "order", uuid.UUID(lead_id), MARTA, time_zone=documents.runtime.settings.company_time_zone
        )
        ok(await leads.http.delete(f"/leads/{lead_id}", headers=MANAGER), 204)
        await one_more_waits(documents.runtime.sessions)  # documents read the deletion: it waits
        await making.commit()

    async def cancelled() -> bool:
        return bool(ok(await documents.http.get(f"/orders/{made.id}", headers=MANAGER))["status"] == "cancelled")

    await eventually(cancelled, what="the deletion, read after the order was made, cancelled it")


async def open_statuses_archived(leads: RunningService, archived: bool) -> None:
    async with leads.runtime.unit_of_work() as uow:
        await configuration_changed(uow.session)
        await uow.session.execute(update(statuses).where(statuses.c.closed.is_(False)).values(archived=archived))
        await uow.commit()


async def test_a_refused_lead_request_brings_the_call_back_with_the_reason_and_a_retry_makes_the_lead(
    leads: RunningService, communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    # No lead can be created while every open status is archived. The API refuses to get there, so the test writes
    # it as an operator's SQL would: what matters is that leads refuses the request, whatever the rule.
    await open_statuses_archived(leads, True)
    call = await a_call_in_triage(communications, kafka, namespace)

    requested = ok(
        await communications.http.post(f"/calls/{call['id']}/create-lead", json={"name": "Biuro"}, headers=MANAGER),
        202,
    )
    returned = await back_in_triage(communications, call["id"])
    assert returned["returned"]["reason"] == "lead_request_refused"
    assert returned["returned"]["detail"] == "lead type 'Sale' allows no open status"
    assert (returned["returned"]["lead_id"], returned["requested_name"]) == (requested["lead_id"], "Biuro")
    assert await end_offset(kafka, namespace, CALL.dead_letter) == 0, "refused, not dead-lettered"
    assert await end_offset(kafka, namespace, LEAD.dead_letter) == 0

    await open_statuses_archived(leads, False)
    retried = ok(await communications.http.post(f"/calls/{call['id']}/retry-lead-request", headers=MANAGER), 202)
    assert (retried["state"], retried["lead_id"]) == ("lead_requested", requested["lead_id"])

    async def attached() -> dict[str, Any] | None:
        found: dict[str, Any] = ok(await communications.http.get(f"/calls/{call['id']}", headers=MANAGER))
        return found if found["state"] == "attached" else None

    taken = await eventually(attached, what="the retried request made the lead and the call joined it")
    assert (taken["lead_id"], taken["returned"]) == (requested["lead_id"], None)
    lead = ok(await leads.http.get(f"/leads/{requested['lead_id']}", headers=MANAGER))
    assert (lead["name"], lead["phone"]) == ("Biuro", "+48699000111")


async def test_a_call_from_the_number_of_a_lead_merged_away_finds_its_survivor(
    leads: RunningService, communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    survivor = await a_lead(leads, communications)
    merged = ok(await leads.http.post("/leads", json={"name": "Dup", "phone": "+48 699 000 111"}, headers=MANAGER), 201)
    merge = f"/leads/{survivor}/merge"
    ok(await leads.http.post(merge, json={"merged_lead_id": merged["id"]}, headers={**MANAGER, "If-Match": '"1"'}))

    async def survivor_known_by_it() -> bool:
        async with communications.runtime.unit_of_work() as uow:
            return any(lead.lead_id == uuid.UUID(survivor) for lead in await uow.known_leads.with_phone("+48699000111"))

    await eventually(survivor_known_by_it, what="communications learnt the survivor's new contact")
    call = await a_call(communications, kafka, namespace, "+48 699 000 111")
    assert (call["state"], call["lead_id"]) == ("attached", survivor)
