"""The leads service against the real broker and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from leadline.contracts.wire.events import CallLeadRequestedV1, LeadCreatedV1, LeadStatusChangedV1
from leadline.contracts.wire.topics import LEAD
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, read_until
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def test_a_created_lead_is_published_as_a_cloudevent(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    response = await leads.http.post(
        "/leads",
        json={"name": "Office fit-out", "phone": "601 234 567", "email": "Jan@Example.com"},
        headers=auth("anna"),
    )
    assert response.status_code == 201, response.text
    lead = response.json()
    assert lead["phone"] == "+48601234567"
    assert lead["status_code"] == "new"
    assert response.headers["ETag"] == '"1"'

    records = await read_until(
        kafka.bootstrap, LEAD, namespace, lambda rs: any(headers_of(r).get("ce_subject") == lead["id"] for r in rs)
    )
    record = next(r for r in records if headers_of(r).get("ce_subject") == lead["id"])
    headers = headers_of(record)
    assert record.key == lead["id"].encode()
    assert headers["ce_type"] == LeadCreatedV1.type
    assert headers["ce_source"] == "leadline/leads"
    assert headers["ce_specversion"] == "1.0"
    event = LeadCreatedV1.model_validate_json(record.value or b"")
    assert event.salesperson_id == "anna"
    assert event.email == "jan@example.com"


async def test_moving_a_lead_publishes_the_change_and_refuses_a_stale_version(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    created = (
        await leads.http.post("/leads", json={"name": "Service contract", "type_code": "service"}, headers=auth("anna"))
    ).json()

    refused = await leads.http.post(
        f"/leads/{created['id']}/status", json={"status_code": "proposal"}, headers=auth("anna")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "status_code"
    assert "Proposal" in refused.json()["detail"]
    assert "Service" in refused.json()["detail"]

    moved = await leads.http.post(
        f"/leads/{created['id']}/status",
        json={"status_code": "qualification"},
        headers={**auth("anna"), "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"2"'
    stale = await leads.http.post(
        f"/leads/{created['id']}/status", json={"status_code": "won"}, headers={**auth("anna"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412

    records = await read_until(
        kafka.bootstrap,
        LEAD,
        namespace,
        lambda rs: any(headers_of(r)["ce_type"] == LeadStatusChangedV1.type for r in rs),
    )
    change = next(
        LeadStatusChangedV1.model_validate_json(r.value or b"")
        for r in records
        if headers_of(r)["ce_type"] == LeadStatusChangedV1.type
    )
    assert (change.from_status_code, change.to_status_code, change.changed_by) == ("new", "qualification", "anna")


async def test_a_lead_requested_twice_is_created_once(leads: RunningService, kafka: LocalKafka, namespace: str) -> None:
    def request(lead_id: uuid.UUID) -> CallLeadRequestedV1:
        return CallLeadRequestedV1(
            call_id=uuid.uuid4(),
            lead_id=lead_id,
            name="Call from +48601234567",
            phone="+48601234567",
            salesperson_id="piotr",
            requested_by="piotr",
            requested_at=datetime.now(UTC),
        )

    lead_id, marker_id = uuid.uuid4(), uuid.uuid4()
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        first = await producer.publish(request(lead_id))
        await producer.publish(request(lead_id), event_id=first.id)  # a redelivery: same event id
        await producer.publish(request(lead_id))  # a second request for the same lead
        await producer.publish(request(marker_id))

    async def lead_exists() -> bool:
        return (await leads.http.get(f"/leads/{marker_id}", headers=auth("marta"))).status_code == 200

    await eventually(lead_exists, what="the marker lead was created")
    records = await read_until(
        kafka.bootstrap, LEAD, namespace, lambda rs: any(headers_of(r)["ce_subject"] == str(marker_id) for r in rs)
    )
    assert [headers_of(r)["ce_subject"] for r in records].count(str(lead_id)) == 1
    lead = (await leads.http.get(f"/leads/{lead_id}", headers=auth("marta"))).json()
    assert lead["salesperson_id"] == "piotr"


async def test_refusals_are_problem_details_naming_the_field(leads: RunningService) -> None:
    unauthenticated = await leads.http.post("/leads", json={"name": "x"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"] == "application/problem+json"

    invalid = await leads.http.post(
        "/leads", json={"name": "x", "email": "not-an-address", "phone": "12", "extra": 1}, headers=auth("anna")
    )
    assert invalid.status_code == 422
    fields = {e["field"]: e["rule"] for e in invalid.json()["errors"]}
    assert fields == {"email": "value_error", "extra": "extra_forbidden"}

    bad_phone = await leads.http.post("/leads", json={"name": "x", "phone": "12"}, headers=auth("anna"))
    assert bad_phone.status_code == 422
    assert bad_phone.json()["errors"] == [
        {"field": "phone", "rule": "invalid_phone", "message": bad_phone.json()["detail"]}
    ]

    for_someone_else = await leads.http.post(
        "/leads", json={"name": "x", "salesperson_id": "piotr"}, headers=auth("anna")
    )
    assert for_someone_else.status_code == 403


async def test_editing_a_lead_checks_every_rule_and_keeps_its_history(leads: RunningService) -> None:
    created = await leads.http.post(
        "/leads",
        json={
            "name": "Warehouse racking",
            "priority_code": "high",
            "tags": ["vip"],
            "expected_revenue": "125000.50",
            "currency": "EUR",
            "probability": 30,
            "expected_close": "2027-03-31",
            "city": "Wrocław",
            "country": "PL",
        },
        headers=auth("anna"),
    )
    assert created.status_code == 201, created.text
    lead = created.json()
    assert (lead["expected_revenue"], lead["currency"], lead["tags"], lead["priority_code"]) == (
        "125000.50",
        "EUR",
        ["vip"],
        "high",
    )

    async def patch(body: dict[str, object], user: str = "anna", version: str | None = None) -> httpx.Response:
        headers = {**auth(user), **({"If-Match": version} if version else {})}
        return await leads.http.patch(f"/leads/{lead['id']}", json=body, headers=headers)

    cases: list[tuple[dict[str, object], str, str]] = [
        ({"probability": 101}, "probability", "probability_range"),
        ({"expected_revenue": "-1"}, "expected_revenue", "negative_revenue"),
        ({"tags": ["vip", "no-such-tag"]}, "tags", "unknown_tag"),
        ({"priority_code": "nope"}, "priority_code", "unknown_priority"),
        ({"status_code": "nope"}, "status_code", "unknown_status"),
        ({"salesperson_id": "piotr"}, "salesperson_id", "assign_requires_manager"),
        ({"partner_id": str(uuid.uuid4())}, "partner_id", "unknown_partner"),
    ]
    for body, field, rule in cases:
        refused = await patch(body)
        assert refused.status_code in (403, 422), (body, refused.text)
        problem = refused.json()
        assert (problem["errors"][0]["field"], problem["type"]) == (field, f"urn:leadline:problem:{rule}"), body

    assert (await patch({"probability": 60}, user="piotr")).status_code == 403
    edited = await patch(
        {"probability": 60, "tags": ["vip", "hot"], "description": "Site visit on Monday"}, version='"1"'
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["probability"], edited.json()["tags"], edited.headers["ETag"]) == (60, ["hot", "vip"], '"2"')
    assert (await patch({"probability": 70}, version='"1"')).status_code == 412
    reassigned = await patch({"salesperson_id": "piotr"}, user="marta")
    assert reassigned.json()["salesperson_id"] == "piotr"

    history = (await leads.http.get(f"/leads/{lead['id']}/history", headers=auth("piotr"))).json()
    assert [(h["action"], h["by"]) for h in history] == [("created", "anna"), ("updated", "anna"), ("updated", "marta")]
    assert {c["field"]: (c["old"], c["new"]) for c in history[1]["changes"]} == {
        "probability": (30, 60),
        "tags": (["vip"], ["hot", "vip"]),
        "description": (None, "Site visit on Monday"),
    }


async def test_an_oversized_body_is_refused_before_it_is_read(leads: RunningService) -> None:
    huge = {"name": "x", "description": "y" * 2_000_000}
    response = await leads.http.post("/leads", json=huge, headers=auth("anna"))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["rule"] == "body_too_large"
