"""What a lead refers to must exist (SQLite, and PostgreSQL when configured): its salesperson is someone on the
team, every code is one of the reference data, tags count once. A fresh database has the demo users on the
team, so the demo and a development setup work from the first start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from leadline.contracts.wire.events import CallLeadRequestedV1
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


def refused(response: Any) -> tuple[str, str]:
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    return error["field"], error["rule"]


async def test_a_fresh_database_has_the_demo_users_on_the_team(leads: RunningService) -> None:
    response = await leads.http.get("/employees", headers=auth("anna"))

    assert response.status_code == 200, response.text
    assert {(e["id"], e["role"], e["extension"]) for e in response.json()} == {
        ("anna", "salesperson", "101"),
        ("piotr", "salesperson", "102"),
        ("marta", "manager", "100"),
    }


async def test_a_lead_goes_only_to_someone_on_the_team(leads: RunningService) -> None:
    marta = auth("marta")
    await leads.http.post("/employees", json={"id": "ewa", "name": "Ewa", "role": "salesperson"}, headers=marta)
    archived = await leads.http.patch("/employees/ewa", json={"archived": True}, headers=marta)
    assert archived.status_code == 200, archived.text

    unknown = await leads.http.post("/leads", json={"name": "Desks", "salesperson_id": "nobody"}, headers=marta)
    left = await leads.http.post("/leads", json={"name": "Desks", "salesperson_id": "ewa"}, headers=marta)
    created = await leads.http.post("/leads", json={"name": "Desks", "salesperson_id": "piotr"}, headers=marta)
    assert created.status_code == 201, created.text
    lead = created.json()["id"]
    reassigned_to_nobody = await leads.http.patch(f"/leads/{lead}", json={"salesperson_id": "nobody"}, headers=marta)
    reassigned_to_ewa = await leads.http.patch(f"/leads/{lead}", json={"salesperson_id": "ewa"}, headers=marta)
    unassigned = await leads.http.patch(f"/leads/{lead}", json={"salesperson_id": None}, headers=marta)

    assert refused(unknown) == ("salesperson_id", "unknown_employee")
    assert refused(left) == ("salesperson_id", "archived_employee")
    assert refused(reassigned_to_nobody) == ("salesperson_id", "unknown_employee")
    assert refused(reassigned_to_ewa) == ("salesperson_id", "archived_employee")
    assert unassigned.status_code == 200, unassigned.text


async def test_a_lead_requested_for_someone_not_on_the_team_is_still_created(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    request = CallLeadRequestedV1(
        call_id=uuid.uuid4(),
        lead_id=uuid.uuid4(),
        name="Call from +48601234567",
        phone="+48601234567",
        salesperson_id="newcomer",
        requested_by="newcomer",
        requested_at=datetime.now(UTC),
    )
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(request)

    async def created() -> dict[str, Any] | None:
        response = await leads.http.get(f"/leads/{request.lead_id}", headers=auth("marta"))
        return response.json() if response.status_code == 200 else None

    lead = await eventually(created, what="the requested lead was created")
    assert lead["salesperson_id"] == "newcomer"


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"type_code": "nope"}, "type_code", "unknown_type"),
        ({"status_code": "nope"}, "status_code", "unknown_status"),
        ({"priority_code": "nope"}, "priority_code", "unknown_priority"),
        ({"source_code": "nope"}, "source_code", "unknown_source"),
        ({"campaign_code": "nope"}, "campaign_code", "unknown_campaign"),
        ({"channel_code": "nope"}, "channel_code", "unknown_channel"),
        ({"product_code": "nope"}, "product_code", "unknown_product"),
        ({"tags": ["vip", "nope"]}, "tags", "unknown_tag"),
    ],
)
async def test_every_code_of_a_lead_is_checked_against_the_reference_data(
    leads: RunningService, fields: dict[str, Any], field: str, rule: str
) -> None:
    created = await leads.http.post("/leads", json={"name": "Desks", **fields}, headers=auth("anna"))
    existing = await leads.http.post("/leads", json={"name": "Desks"}, headers=auth("anna"))
    edited = await leads.http.patch(f"/leads/{existing.json()['id']}", json=fields, headers=auth("anna"))

    assert refused(created) == (field, rule)
    assert refused(edited) == (field, rule)


async def test_codes_of_lost_reasons_and_deals_are_checked_and_tags_count_once(leads: RunningService) -> None:
    anna = auth("anna")
    lead = (await leads.http.post("/leads", json={"name": "Desks", "tags": ["vip", "vip", "hot"]}, headers=anna)).json()
    lost = await leads.http.post(f"/leads/{lead['id']}/lost", json={"lost_reason_code": "nope"}, headers=anna)
    deal = {"name": "Racks", "pipeline_code": "sales", "stage_code": "discovery", "value": "100.00"}
    no_pipeline = await leads.http.post(
        f"/leads/{lead['id']}/deals", json={**deal, "pipeline_code": "nope"}, headers=anna
    )
    no_stage = await leads.http.post(f"/leads/{lead['id']}/deals", json={**deal, "stage_code": "nope"}, headers=anna)

    assert lead["tags"] == ["hot", "vip"]
    assert refused(lost) == ("lost_reason_code", "unknown_lost_reason")
    assert refused(no_pipeline) == ("pipeline_code", "unknown_pipeline")
    assert refused(no_stage) == ("stage_code", "unknown_stage")
    history = (await leads.http.get(f"/leads/{lead['id']}/history", headers=anna)).json()
    assert {"field": "tags", "old": [], "new": ["hot", "vip"]} in history[0]["changes"]
