"""A retried create has one effect (SQLite, and PostgreSQL when configured): the Idempotency-Key every create
takes, implemented once in leadline.contracts.platform.idempotency, on the leads and communications services (documents'
creates are in test_documents_orders)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from leadline.contracts.platform.idempotency import purge_expired
from leadline.leads.adapters.tables import idempotency_keys
from leadline.leads.adapters.tables import leads as leads_table
from tests.support.integration.calls import received, registered
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth

pytestmark = pytest.mark.kafka


def keyed(user: str, key: str) -> dict[str, str]:
    return {**auth(user), "Idempotency-Key": key}


async def leads_named(service: RunningService, name: str) -> int:
    async with service.runtime.read_sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(leads_table).where(leads_table.c.name == name)) or 0
        )


def answer(response: httpx.Response) -> tuple[int, dict[str, Any], str | None, str | None]:
    return response.status_code, response.json(), response.headers.get("Location"), response.headers.get("ETag")


async def test_a_retried_create_gets_the_first_answer_and_makes_nothing_more(leads: RunningService) -> None:
    lead = {"name": "Retried desks", "phone": "601 234 567"}

    first = await leads.http.post("/leads", json=lead, headers=keyed("anna", "k-1"))
    retried = await leads.http.post("/leads", json=lead, headers=keyed("anna", "k-1"))
    without_key = await leads.http.post("/leads", json=lead, headers=auth("anna"))

    assert first.status_code == 201, first.text
    assert answer(retried) == answer(first)
    assert without_key.json()["id"] != first.json()["id"]
    assert await leads_named(leads, "Retried desks") == 2


async def test_a_key_used_for_another_request_is_refused_and_keys_are_per_user(
    leads: RunningService,
) -> None:
    first = await leads.http.post("/leads", json={"name": "Desks"}, headers=keyed("anna", "k-2"))
    other_body = await leads.http.post("/leads", json={"name": "Chairs"}, headers=keyed("anna", "k-2"))
    other_path = await leads.http.post("/partners", json={"name": "Kowalski"}, headers=keyed("anna", "k-2"))
    martas = await leads.http.post("/leads", json={"name": "Desks"}, headers=keyed("marta", "k-2"))

    assert first.status_code == 201, first.text
    for refused in (other_body, other_path):
        assert refused.status_code == 422, refused.text
        assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
            ("Idempotency-Key", "idempotency_key_reused")
        ]
    assert martas.status_code == 201
    assert martas.json()["id"] != first.json()["id"]


async def test_a_refused_create_keeps_no_key_so_its_retry_is_tried_again(leads: RunningService) -> None:
    refused = await leads.http.post("/leads", json={"name": "X", "type_code": "nope"}, headers=keyed("anna", "k-3"))
    # Fixed and sent again under the same key (a new body: the refusal was not kept, so this is no reuse).
    fixed = await leads.http.post("/leads", json={"name": "X"}, headers=keyed("anna", "k-3"))

    assert refused.status_code == 422
    assert fixed.status_code == 201, fixed.text


async def test_retries_at_once_make_one_lead(leads: RunningService) -> None:
    lead = {"name": "Concurrent desks"}

    responses = await asyncio.gather(
        *(leads.http.post("/leads", json=lead, headers=keyed("anna", "k-4")) for _ in range(6))
    )

    # SQLite runs them one after the other: the first answer six times. On PostgreSQL a retry that came while
    # the first was in its transaction waited for it and is refused with 409; retried, it gets the answer.
    codes = {response.status_code for response in responses}
    assert codes <= {201, 409}, [r.text for r in responses]
    assert len({response.json()["id"] for response in responses if response.status_code == 201}) == 1
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict.json()["errors"][0]["rule"] == "idempotency_key_in_flight"
    assert await leads_named(leads, "Concurrent desks") == 1


async def test_a_key_is_kept_for_its_time_then_purged(leads: RunningService) -> None:
    lead = {"name": "Expiring desks"}
    first = await leads.http.post("/leads", json=lead, headers=keyed("anna", "k-5"))
    async with leads.runtime.unit_of_work() as uow:
        expires_at = await uow.session.scalar(select(idempotency_keys.c.expires_at))
        assert expires_at is not None
        assert 23.9 * 3600 < (expires_at - first_created(first)).total_seconds() <= 24 * 3600
        await uow.session.execute(update(idempotency_keys).values(expires_at=first_created(first)))
        await uow.commit()

    after_expiry = await leads.http.post("/leads", json=lead, headers=keyed("anna", "k-5"))
    async with leads.runtime.unit_of_work() as uow:
        await uow.session.execute(update(idempotency_keys).values(expires_at=first_created(first)))
        purged = await purge_expired(uow.session)
        await uow.commit()

    assert after_expiry.json()["id"] != first.json()["id"]
    assert purged == 1


def first_created(response: httpx.Response) -> datetime:
    return datetime.fromisoformat(response.json()["created_at"])


async def test_every_create_of_the_leads_replays_its_answer(leads: RunningService) -> None:
    lead_id = (await leads.http.post("/leads", json={"name": "Desks"}, headers=auth("marta"))).json()["id"]
    creates: list[tuple[str, dict[str, Any]]] = [
        ("/kanban/columns/new/leads", {"name": "From the board"}),
        (
            f"/leads/{lead_id}/deals",
            {"name": "Racks", "pipeline_code": "sales", "stage_code": "discovery", "value": "1"},
        ),
        ("/partners", {"name": "Kowalski Logistics"}),
        ("/reference/tag", {"code": "retried", "name": "Retried"}),
        ("/statuses", {"code": "retried", "name": "Retried", "sort_order": 35}),
        ("/lead-types", {"code": "retried", "name": "Retried"}),
        ("/employees", {"id": "ewa", "name": "Ewa", "role": "salesperson"}),
    ]
    for path, body in creates:
        first = await leads.http.post(path, json=body, headers=keyed("marta", f"create {path}"))
        retried = await leads.http.post(path, json=body, headers=keyed("marta", f"create {path}"))
        assert first.status_code == 201, (path, first.text)
        assert answer(retried) == answer(first), path


async def test_a_retried_lead_request_from_triage_gets_the_first_answer(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    call = received("+48601234567")
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(call)
    call_id = (await registered(communications, call.pbx_call_id))["id"]

    first = await communications.http.post(
        f"/calls/{call_id}/create-lead", json={"name": "From a call"}, headers=keyed("anna", "c-1")
    )
    retried = await communications.http.post(
        f"/calls/{call_id}/create-lead", json={"name": "From a call"}, headers=keyed("anna", "c-1")
    )
    without_key = await communications.http.post(
        f"/calls/{call_id}/create-lead", json={"name": "From a call"}, headers=auth("anna")
    )

    assert first.status_code == 202, first.text
    assert (retried.status_code, retried.json()) == (202, first.json())
    assert without_key.status_code == 409  # no longer in triage: without the key the retry fails
