"""The configuration of leads (statuses, lead types, reference items, employees, partners, settings)
against the real broker and a real database (SQLite, and PostgreSQL when configured): who may change
it, its rules, and the events every change publishes on the compacted configuration topics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import update

from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    EmployeeChangedV1,
    Event,
    LeadTypeChangedV1,
    PartnerChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
    StatusChangedV1,
)
from leadline.contracts.wire.topics import EMPLOYEE, PARTNER, REFERENCE, Topic
from leadline.leads.adapters.configuration_cache import configuration_changed
from leadline.leads.adapters.repository import ReferenceDataRepository
from leadline.leads.adapters.tables import statuses
from tests.support.http import ok
from tests.support.kafka import LocalKafka, end_offset, headers_of, read_until
from tests.support.services import RunningService, auth, running_replica, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

MANAGER, SALESPERSON = auth("marta"), auth("anna")
SERVICE_ITSELF = "leadline/leads"
# The configuration a fresh database starts with, by topic key.
SEEDED = {
    *(f"status:{code}" for code in ("new", "qualification", "proposal", "won", "lost")),
    "lead_type:sale",
    "lead_type:service",
    *(f"priority:{code}" for code in ("low", "normal", "high", "urgent")),
    *(f"tag:{code}" for code in ("vip", "hot", "public-sector")),
    *(f"lost_reason:{code}" for code in ("price", "competitor", "no-budget", "no-response")),
    *(f"source:{code}" for code in ("website", "phone", "email", "referral", "trade-fair")),
    *(f"channel:{code}" for code in ("inbound", "outbound", "partner")),
    "pipeline:sales",
    *(f"stage:{code}" for code in ("discovery", "negotiation", "closing", "won", "lost")),
    *(f"setting:{key}" for key in ("order_type", "invoice_type", "default_currency")),
}


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


def refused(response: httpx.Response, status: int) -> tuple[str | None, str]:
    """The field and rule a refusal names."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    rule = problem["type"].removeprefix("urn:leadline:problem:")
    return (problem["errors"][0]["field"] if problem["errors"] else None), rule


async def published(
    kafka: LocalKafka, namespace: str, topic: Topic, event: type[Event], until: Callable[[list[Any]], bool]
) -> list[Any]:
    """The events of one type that a person's change caused on ``topic``, read from its beginning until
    ``until(events)`` holds (the configuration the service published of itself as it started is left out)."""

    def of_type(records: list[ConsumerRecord[bytes, bytes]]) -> list[Any]:
        events = [event.model_validate_json(r.value) for r in records if headers_of(r)["ce_type"] == event.type]
        return [e for e in events if getattr(e, "changed_by", None) != SERVICE_ITSELF]

    return of_type(await read_until(kafka.bootstrap, topic, namespace, lambda records: until(of_type(records))))


async def test_a_salesperson_reads_the_configuration_but_changes_none_of_it(leads: RunningService) -> None:
    for path in ("/statuses", "/lead-types", "/reference", "/reference/priority", "/employees", "/settings"):
        ok(await leads.http.get(path, headers=SALESPERSON))

    manager_writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/statuses", {"code": "on-hold", "name": "On hold", "sort_order": 25}),
        ("PATCH", "/statuses/new", {"name": "Fresh"}),
        ("DELETE", "/statuses/proposal", None),
        ("POST", "/lead-types", {"code": "repair", "name": "Repair"}),
        ("PATCH", "/lead-types/service", {"allowed_statuses": []}),
        ("POST", "/reference/priority", {"code": "critical", "name": "Critical"}),
        ("PATCH", "/reference/priority/high", {"colour": "#000000"}),
        ("DELETE", "/reference/priority/low", None),
        ("POST", "/employees", {"id": "ewa", "name": "Ewa", "role": "salesperson"}),
        ("PATCH", "/employees/ewa", {"archived": True}),
        ("PUT", "/settings/order_type", {"value": "ZS"}),
    ]
    for method, path, body in manager_writes:
        response = await leads.http.request(method, path, json=body, headers=SALESPERSON)
        assert refused(response, 403) == (None, "manager_only"), (method, path)

    # Nothing changed under the refusals.
    statuses = ok(await leads.http.get("/statuses", headers=SALESPERSON))
    assert [s["code"] for s in statuses] == ["new", "qualification", "proposal", "won", "lost"]
    assert statuses[0]["name"] == "New"


async def test_exactly_one_status_is_the_lost_one(leads: RunningService, kafka: LocalKafka, namespace: str) -> None:
    not_closed = await leads.http.post(
        "/statuses", json={"code": "dropped", "name": "Dropped", "sort_order": 60, "lost": True}, headers=MANAGER
    )
    assert refused(not_closed, 422) == ("closed", "lost_status_must_be_closed")

    created = await leads.http.post(
        "/statuses",
        json={"code": "dropped", "name": "Dropped", "sort_order": 60, "closed": True, "lost": True},
        headers=MANAGER,
    )
    assert ok(created, 201) == {
        "code": "dropped",
        "name": "Dropped",
        "sort_order": 60,
        "closed": True,
        "lost": True,
        "archived": False,
    }
    statuses = {s["code"]: s for s in ok(await leads.http.get("/statuses", headers=MANAGER))}
    assert [code for code, s in statuses.items() if s["lost"]] == ["dropped"]

    cleared = await leads.http.patch("/statuses/dropped", json={"lost": False}, headers=MANAGER)
    assert refused(cleared, 422) == ("lost", "lost_status_required")
    assert refused(await leads.http.delete("/statuses/dropped", headers=MANAGER), 422) == (
        "code",
        "lost_status_required",
    )
    moved_back = ok(await leads.http.patch("/statuses/lost", json={"lost": True}, headers=MANAGER))
    assert moved_back["lost"]
    assert ok(await leads.http.delete("/statuses/dropped", headers=MANAGER))["outcome"] == "deleted"

    changes = await published(
        kafka, namespace, REFERENCE, StatusChangedV1, lambda events: any(e.deleted for e in events)
    )
    assert [(e.code, e.lost, e.deleted) for e in changes] == [
        ("dropped", True, False),
        ("lost", False, False),  # the flag moved in the same change
        ("lost", True, False),
        ("dropped", False, False),
        ("dropped", False, True),
    ]
    assert {e.subject for e in changes} == {"status:dropped", "status:lost"}
    assert all(e.changed_by == "marta" for e in changes)


async def test_a_status_in_use_is_archived_not_deleted(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = ok(
        await leads.http.post("/leads", json={"name": "Fit-out", "status_code": "proposal"}, headers=SALESPERSON), 201
    )
    closing = await leads.http.patch("/statuses/proposal", json={"closed": True}, headers=MANAGER)
    assert refused(closing, 409) == ("closed", "status_in_use")

    removal = ok(await leads.http.delete("/statuses/proposal", headers=MANAGER))
    assert (removal["outcome"], removal["status"]["archived"]) == ("archived", True)
    # Listed only when asked for; its lead keeps it and stays on the board, where nothing can enter it.
    assert "proposal" not in [s["code"] for s in ok(await leads.http.get("/statuses", headers=MANAGER))]
    assert "proposal" in [s["code"] for s in ok(await leads.http.get("/statuses?archived=true", headers=MANAGER))]
    assert ok(await leads.http.get(f"/leads/{lead['id']}", headers=SALESPERSON))["status_code"] == "proposal"
    column = next(c for c in ok(await leads.http.get("/kanban", headers=SALESPERSON))["columns"] if c["archived"])
    assert (column["status_code"], column["count"]) == ("proposal", 1)
    entering = await leads.http.post("/leads", json={"name": "Shop", "status_code": "proposal"}, headers=SALESPERSON)
    assert refused(entering, 422) == ("status_code", "archived_status")

    # Moving the lead out empties the column, which then leaves the board; restoring brings it back.
    ok(await leads.http.post(f"/leads/{lead['id']}/status", json={"status_code": "new"}, headers=SALESPERSON))
    board = ok(await leads.http.get("/kanban", headers=SALESPERSON))
    assert "proposal" not in [c["status_code"] for c in board["columns"]]
    restored = ok(await leads.http.patch("/statuses/proposal", json={"archived": False}, headers=MANAGER))
    assert restored["archived"] is False
    ok(await leads.http.post(f"/leads/{lead['id']}/status", json={"status_code": "proposal"}, headers=SALESPERSON))

    listed = ok(await leads.http.delete("/statuses/won", headers=MANAGER))  # the Service type lists it
    assert (listed["outcome"], listed["status"]["code"]) == ("archived", "won")

    changes = await published(kafka, namespace, REFERENCE, StatusChangedV1, lambda events: len(events) >= 3)
    assert [(e.subject, e.archived, e.deleted) for e in changes] == [
        ("status:proposal", True, False),
        ("status:proposal", False, False),
        ("status:won", True, False),
    ]


async def test_a_lead_type_allows_the_statuses_it_lists(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    created = await leads.http.post(
        "/lead-types",
        json={"code": "repair", "name": "Repair", "allowed_statuses": ["new", "won", "lost"]},
        headers=MANAGER,
    )
    assert ok(created, 201) == {"code": "repair", "name": "Repair", "allowed_statuses": ["lost", "new", "won"]}
    lead = ok(
        await leads.http.post("/leads", json={"name": "Broken pump", "type_code": "repair"}, headers=SALESPERSON), 201
    )
    not_allowed = await leads.http.post(
        f"/leads/{lead['id']}/status", json={"status_code": "proposal"}, headers=SALESPERSON
    )
    assert refused(not_allowed, 422) == ("status_code", "status_not_allowed_for_type")

    stranding = await leads.http.patch(
        "/lead-types/repair", json={"allowed_statuses": ["qualification"]}, headers=MANAGER
    )
    assert refused(stranding, 409) == ("allowed_statuses", "status_in_use")
    only_closed = await leads.http.patch("/lead-types/repair", json={"allowed_statuses": ["won"]}, headers=MANAGER)
    assert refused(only_closed, 422) == ("allowed_statuses", "type_needs_open_status")
    every_status = ok(await leads.http.patch("/lead-types/repair", json={"allowed_statuses": []}, headers=MANAGER))
    assert every_status["allowed_statuses"] == []
    ok(await leads.http.post(f"/leads/{lead['id']}/status", json={"status_code": "proposal"}, headers=SALESPERSON))

    changes = await published(kafka, namespace, REFERENCE, LeadTypeChangedV1, lambda events: len(events) >= 2)
    assert [(e.subject, e.allowed_statuses) for e in changes] == [
        ("lead_type:repair", ["lost", "new", "won"]),
        ("lead_type:repair", []),
    ]


async def test_an_item_in_use_is_archived_instead_of_deleted_and_no_longer_offered(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    for code in ("critical", "someday"):
        body = {"code": code, "name": code.title(), "colour": "#B71C1C", "sort_order": 50}
        ok(await leads.http.post("/reference/priority", json=body, headers=MANAGER), 201)
    used = ok(
        await leads.http.post("/leads", json={"name": "Racking", "priority_code": "critical"}, headers=SALESPERSON), 201
    )

    archived = ok(await leads.http.delete("/reference/priority/critical", headers=MANAGER))
    assert (archived["outcome"], archived["used_by"]["leads"], archived["item"]["archived"]) == ("archived", 1, True)
    deleted = ok(await leads.http.delete("/reference/priority/someday", headers=MANAGER))
    assert (deleted["outcome"], deleted["used_by"]) == ("deleted", {"leads": 0, "deals": 0, "stages": 0})

    offered = [i["code"] for i in ok(await leads.http.get("/reference/priority", headers=SALESPERSON))]
    everything = [i["code"] for i in ok(await leads.http.get("/reference/priority?archived=true", headers=SALESPERSON))]
    assert "critical" not in offered
    assert "critical" in everything
    assert "someday" not in everything
    assert ok(await leads.http.get(f"/leads/{used['id']}", headers=SALESPERSON))["priority_code"] == "critical"

    other = ok(await leads.http.post("/leads", json={"name": "Shelving"}, headers=SALESPERSON), 201)
    chosen = await leads.http.patch(f"/leads/{other['id']}", json={"priority_code": "critical"}, headers=SALESPERSON)
    assert refused(chosen, 422) == ("priority_code", "archived_priority")

    restored = ok(await leads.http.patch("/reference/priority/critical", json={"archived": False}, headers=MANAGER))
    assert not restored["archived"]
    ok(await leads.http.patch(f"/leads/{other['id']}", json={"priority_code": "critical"}, headers=SALESPERSON))

    changes = await published(kafka, namespace, REFERENCE, ReferenceItemChangedV1, lambda events: len(events) >= 5)
    assert [(e.subject, e.archived, e.deleted) for e in changes] == [
        ("priority:critical", False, False),
        ("priority:someday", False, False),
        ("priority:critical", True, False),
        ("priority:someday", False, True),
        ("priority:critical", False, False),
    ]


async def test_a_stage_belongs_to_an_existing_pipeline(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    def stage(parent_code: str | None) -> dict[str, Any]:
        return {"code": "delivery", "name": "Delivery", "sort_order": 40, "parent_code": parent_code}

    ok(await leads.http.post("/reference/pipeline", json={"code": "service", "name": "Service"}, headers=MANAGER), 201)
    ok(await leads.http.delete("/reference/pipeline/service", headers=MANAGER))  # unused: gone

    for parent_code, rule in [
        (None, "pipeline_required"),
        ("nope", "unknown_pipeline"),
        ("service", "unknown_pipeline"),
    ]:
        response = await leads.http.post("/reference/stage", json=stage(parent_code), headers=MANAGER)
        assert refused(response, 422) == ("parent_code", rule)
    not_a_stage = await leads.http.post(
        "/reference/priority", json={"code": "x", "name": "X", "parent_code": "sales"}, headers=MANAGER
    )
    assert refused(not_a_stage, 422) == ("parent_code", "parent_only_for_stages")

    assert (
        ok(await leads.http.post("/reference/stage", json=stage("sales"), headers=MANAGER), 201)["parent_code"]
        == "sales"
    )
    with_stages = ok(await leads.http.delete("/reference/pipeline/sales", headers=MANAGER))
    assert (with_stages["outcome"], with_stages["used_by"]["stages"]) == ("archived", 6)
    archived_parent = await leads.http.post(
        "/reference/stage", json={**stage("sales"), "code": "handover"}, headers=MANAGER
    )
    assert refused(archived_parent, 422) == ("parent_code", "archived_pipeline")

    changes = await published(
        kafka, namespace, REFERENCE, ReferenceItemChangedV1, lambda events: any(e.archived for e in events)
    )
    assert [(e.subject, e.parent_code, e.archived, e.deleted) for e in changes] == [
        ("pipeline:service", None, False, False),
        ("pipeline:service", None, False, True),
        ("stage:delivery", "sales", False, False),
        ("pipeline:sales", None, True, False),
    ]


async def test_a_pbx_extension_rings_one_active_employee(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    # Not the demo users, who are on the team from the start with extensions 100 to 102.
    ewa = {"id": "ewa", "name": "Ewa Kowalczyk", "role": "salesperson", "extension": "201"}
    ok(await leads.http.post("/employees", json=ewa, headers=MANAGER), 201)
    jan = {"id": "jan", "name": "Jan Nowicki", "role": "salesperson", "extension": "201"}

    assert refused(await leads.http.post("/employees", json=jan, headers=MANAGER), 409) == (
        "extension",
        "extension_taken",
    )
    assert refused(await leads.http.post("/employees", json={**ewa, "extension": None}, headers=MANAGER), 409) == (
        "id",
        "duplicate_id",
    )
    anna_s = {**ewa, "id": "ewa2", "extension": "101"}
    assert refused(await leads.http.post("/employees", json=anna_s, headers=MANAGER), 409) == (
        "extension",
        "extension_taken",
    )
    ok(await leads.http.patch("/employees/ewa", json={"archived": True}, headers=MANAGER))
    ok(await leads.http.post("/employees", json=jan, headers=MANAGER), 201)
    back = await leads.http.patch("/employees/ewa", json={"archived": False}, headers=MANAGER)
    assert refused(back, 409) == ("extension", "extension_taken")
    ok(await leads.http.patch("/employees/ewa", json={"archived": False, "extension": "203"}, headers=MANAGER))

    team = ok(await leads.http.get("/employees", headers=SALESPERSON))
    assert [(e["id"], e["extension"]) for e in team if e["id"] in ("ewa", "jan")] == [("ewa", "203"), ("jan", "201")]

    def theirs(events: list[EmployeeChangedV1]) -> list[EmployeeChangedV1]:
        return [e for e in events if e.subject in ("ewa", "jan")]

    changes = theirs(
        await published(kafka, namespace, EMPLOYEE, EmployeeChangedV1, lambda events: len(theirs(events)) >= 4)
    )
    assert [(e.subject, e.extension, e.archived) for e in changes] == [
        ("ewa", "201", False),
        ("ewa", "201", True),
        ("jan", "201", False),
        ("ewa", "203", False),
    ]


async def test_anyone_keeps_partners_current_but_a_stale_edit_is_refused(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    created = await leads.http.post(
        "/partners",
        json={
            "name": "Kowalski Logistics",
            "phone": "71 123 45 67",
            "email": "Biuro@Kowalski.example",
            "country": "PL",
        },
        headers=SALESPERSON,
    )
    partner = ok(created, 201)
    assert (partner["phone"], partner["email"], partner["version"]) == ("+48711234567", "biuro@kowalski.example", 1)
    assert created.headers["ETag"] == '"1"'
    path = f"/partners/{partner['id']}"

    edited = await leads.http.patch(
        path, json={"contact_person": "Jan Kowalski"}, headers={**SALESPERSON, "If-Match": '"1"'}
    )
    assert (ok(edited)["contact_person"], edited.headers["ETag"]) == ("Jan Kowalski", '"2"')
    stale = await leads.http.patch(path, json={"city": "Wrocław"}, headers={**SALESPERSON, "If-Match": '"1"'})
    assert refused(stale, 412) == (None, "stale_version")
    assert refused(await leads.http.patch(path, json={"phone": "12"}, headers=SALESPERSON), 422) == (
        "phone",
        "invalid_phone",
    )
    assert refused(await leads.http.patch(path, json={"email": "nope"}, headers=SALESPERSON), 422)[0] == "email"

    assert refused(await leads.http.patch(path, json={"archived": True}, headers=SALESPERSON), 403) == (
        "archived",
        "manager_only",
    )
    ok(await leads.http.post("/partners", json={"name": "Kowalczyk Transport"}, headers=SALESPERSON), 201)
    ok(await leads.http.patch(path, json={"archived": True}, headers={**MANAGER, "If-Match": '"2"'}))

    found = ok(await leads.http.get("/partners?q=KOWAL", headers=SALESPERSON))
    assert [p["name"] for p in found["items"]] == ["Kowalczyk Transport"]
    with_archived = ok(await leads.http.get("/partners?q=kowal&archived=true&limit=1", headers=SALESPERSON))
    assert [p["name"] for p in with_archived["items"]] == ["Kowalczyk Transport"]
    next_page = ok(
        await leads.http.get(
            f"/partners?q=kowal&archived=true&limit=1&cursor={with_archived['next_cursor']}", headers=SALESPERSON
        )
    )
    assert ([p["name"] for p in next_page["items"]], next_page["next_cursor"]) == (["Kowalski Logistics"], None)

    changes = await published(
        kafka, namespace, PARTNER, PartnerChangedV1, lambda events: any(e.archived for e in events)
    )
    mine = [e for e in changes if e.subject == partner["id"]]
    assert [(e.version, e.contact_person, e.archived) for e in mine] == [
        (1, None, False),
        (2, "Jan Kowalski", False),
        (3, "Jan Kowalski", True),
    ]
    assert mine[0].phone == "+48711234567"


async def test_settings_round_trip(leads: RunningService, kafka: LocalKafka, namespace: str) -> None:
    assert ok(await leads.http.get("/settings", headers=SALESPERSON)) == {
        "order_type": None,
        "invoice_type": None,
        "default_currency": "PLN",
    }

    ok(await leads.http.put("/settings/order_type", json={"value": "ZS"}, headers=MANAGER))
    ok(await leads.http.put("/settings/invoice_type", json={"value": "FV"}, headers=MANAGER))
    ok(await leads.http.put("/settings/default_currency", json={"value": "EUR"}, headers=MANAGER))
    assert ok(await leads.http.put("/settings/invoice_type", json={"value": None}, headers=MANAGER)) == {
        "order_type": "ZS",
        "invoice_type": None,
        "default_currency": "EUR",
    }
    assert refused(await leads.http.put("/settings/default_currency", json={"value": None}, headers=MANAGER), 422) == (
        "value",
        "invalid_currency",
    )
    assert refused(await leads.http.put("/settings/nope", json={"value": "x"}, headers=MANAGER), 422)[0] == "key"
    assert ok(await leads.http.get("/settings", headers=SALESPERSON))["order_type"] == "ZS"

    changes = await published(kafka, namespace, REFERENCE, SettingChangedV1, lambda events: len(events) >= 4)
    assert [(e.subject, e.value) for e in changes] == [
        ("setting:order_type", "ZS"),
        ("setting:invoice_type", "FV"),
        ("setting:default_currency", "EUR"),
        ("setting:invoice_type", None),
    ]


async def test_a_replica_sees_configuration_another_one_changed(
    leads: RunningService, kafka: LocalKafka, namespace: str, database_url: str
) -> None:
    """Each process caches reference data, settings and the team; a change through one replica must reach the
    other's next request, and a change refused half-way must not leave a trace in any cache."""
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as replica:
        assert "Proposal" in [s["name"] for s in ok(await replica.http.get("/statuses", headers=SALESPERSON))]
        assert ok(await replica.http.get("/settings", headers=MANAGER))
        ok(await replica.http.post("/leads", json={"name": "Desks", "salesperson_id": "piotr"}, headers=MANAGER), 201)
        # every cache is warm now: statuses, settings, the team

        ok(await leads.http.patch("/statuses/proposal", json={"name": "Offer"}, headers=MANAGER))
        ok(await leads.http.put("/settings/default_currency", json={"value": "EUR"}, headers=MANAGER))
        ok(
            await leads.http.post(
                "/employees", json={"id": "ewa", "name": "Ewa", "role": "salesperson"}, headers=MANAGER
            ),
            201,
        )
        ok(await replica.http.post("/leads", json={"name": "Chairs", "salesperson_id": "ewa"}, headers=MANAGER), 201)
        # the replica has the team with Ewa cached: archiving Piotr must reach it all the same
        ok(await leads.http.patch("/employees/piotr", json={"archived": True}, headers=MANAGER))
        to_piotr = await replica.http.post("/leads", json={"name": "Lamps", "salesperson_id": "piotr"}, headers=MANAGER)
        assert (to_piotr.status_code, to_piotr.json()["errors"][0]["rule"]) == (422, "archived_employee")

        names = [s["name"] for s in ok(await replica.http.get("/statuses", headers=SALESPERSON))]
        assert ("Offer" in names, "Proposal" in names) == (True, False)
        created = ok(await replica.http.post("/leads", json={"name": "Shop"}, headers=SALESPERSON), 201)
        assert created["currency"] == "EUR"


async def test_a_configuration_change_rolled_back_leaves_no_trace_in_the_cache(leads: RunningService) -> None:
    async with leads.runtime.sessions() as session, session.begin():
        await configuration_changed(session)
        await session.execute(update(statuses).where(statuses.c.code == "new").values(name="Never committed"))
        seen_inside = await ReferenceDataRepository(session).load()  # cached under the uncommitted token
        assert seen_inside.statuses["new"].name == "Never committed"
        await session.rollback()

    async with leads.runtime.sessions() as session, session.begin():
        assert (await ReferenceDataRepository(session).load()).statuses["new"].name == "New"


async def test_reads_go_on_while_a_writer_holds_its_transaction(leads: RunningService) -> None:
    """Requests that only read do not queue behind a write: if they did, this read would wait for a
    transaction that ends only after it."""
    async with leads.runtime.unit_of_work() as writing:
        await writing.session.execute(update(statuses).where(statuses.c.code == "new").values(sort_order=11))
        reading = await asyncio.wait_for(leads.http.get("/statuses", headers=SALESPERSON), timeout=10)
        assert next(s for s in ok(reading) if s["code"] == "new")["sort_order"] == 10  # not the uncommitted 11


async def test_a_fresh_database_publishes_its_configuration_once_however_many_replicas_start_at_once(
    kafka: LocalKafka, namespace: str, database_url: str
) -> None:
    await asyncio.to_thread(upgrade, "leadline.leads", database_url)
    async with contextlib.AsyncExitStack() as replicas:
        started = await asyncio.gather(
            *(
                replicas.enter_async_context(
                    running_replica(
                        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
                    )
                )
                for _ in range(3)
            )
        )

        def keys(records: list[ConsumerRecord[bytes, bytes]]) -> set[str]:
            return {headers_of(record)["ce_subject"] for record in records}

        await read_until(kafka.bootstrap, REFERENCE, namespace, lambda records: keys(records) >= SEEDED)

        async def relayed() -> bool:
            return all([await replica.runtime.relay.backlog() == 0 for replica in started])

        await eventually(relayed, what="every replica's relay published what its outbox held")
        end = await end_offset(kafka, namespace, REFERENCE)
        records = await read_until(kafka.bootstrap, REFERENCE, namespace, lambda records: len(records) >= end)

    # A relay may publish a row twice (consumers' inboxes absorb that): one event, one ce_id, per key.
    ids_by_key: dict[str, set[str]] = {}
    for record in records:
        ids_by_key.setdefault(headers_of(record)["ce_subject"], set()).add(headers_of(record)["ce_id"])
    assert set(ids_by_key) == SEEDED
    assert {key: len(ids) for key, ids in ids_by_key.items() if len(ids) != 1} == {}
    events = {headers_of(r)["ce_subject"]: Envelope.from_kafka(list(r.headers), r.value).open() for r in records}
    lost = events["status:lost"]
    assert isinstance(lost, StatusChangedV1)
    assert (lost.closed, lost.lost, lost.changed_by) == (True, True, SERVICE_ITSELF)
    service = events["lead_type:service"]
    assert isinstance(service, LeadTypeChangedV1)
    assert service.allowed_statuses == ["lost", "new", "qualification", "won"]
    stage = events["stage:closing"]
    assert isinstance(stage, ReferenceItemChangedV1)
    assert (stage.parent_code, stage.archived, stage.deleted, stage.probability) == ("sales", False, False, 80)
    won = events["stage:won"]
    assert isinstance(won, ReferenceItemChangedV1)
    assert (won.parent_code, won.outcome, won.probability) == ("sales", "won", 100)
    currency = events["setting:default_currency"]
    assert isinstance(currency, SettingChangedV1)
    assert currency.value == "PLN"
