"""The reporting service against the real broker: lead events in, counts out (HTTP and compacted topic)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from leadline.contracts.wire.events import LeadCreatedV1, LeadsByStatusV1, LeadStatusChangedV1
from leadline.contracts.wire.topics import LEAD, LEADS_BY_STATUS
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, read_until
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def reporting(kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "reporting", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


def created(lead_id: uuid.UUID, status: str = "new") -> LeadCreatedV1:
    return LeadCreatedV1(
        lead_id=lead_id,
        name="Lead",
        type_code="sale",
        status_code=status,
        closed=False,
        salesperson_id="anna",
        phone=None,
        email=None,
        created_by="anna",
        created_at=datetime.now(UTC),
    )


def moved(lead_id: uuid.UUID, from_status: str, to_status: str) -> LeadStatusChangedV1:
    return LeadStatusChangedV1(
        lead_id=lead_id,
        from_status_code=from_status,
        to_status_code=to_status,
        closed=to_status == "won",
        changed_by="anna",
        changed_at=datetime.now(UTC),
    )


async def test_counts_follow_lead_events_once_each(
    reporting: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with GatewayProducer(kafka.bootstrap, namespace) as leads_topic:
        envelope = await leads_topic.publish(created(first))
        await leads_topic.publish(created(first), event_id=envelope.id)  # redelivered: counted once
        await leads_topic.publish(created(second))
        await leads_topic.publish(created(third))
        await leads_topic.publish(moved(second, "new", "qualification"))
        await leads_topic.publish(moved(third, "new", "qualification"))
        await leads_topic.publish(moved(third, "qualification", "won"))

    expected = [
        {"status_code": "new", "lead_count": 1},
        {"status_code": "qualification", "lead_count": 1},
        {"status_code": "won", "lead_count": 1},
    ]

    async def counts() -> list[dict[str, object]] | None:
        response = await reporting.http.get("/reports/leads-by-status", headers=auth("marta"))
        assert response.status_code == 200, response.text
        body: list[dict[str, object]] = response.json()
        return body if body == expected else None

    await eventually(counts, what=f"counts became {expected}")

    def latest(records: list) -> dict[str, int]:  # type: ignore[type-arg]
        return {r.key.decode(): LeadsByStatusV1.model_validate_json(r.value).lead_count for r in records}

    records = await read_until(
        kafka.bootstrap, LEADS_BY_STATUS, namespace, lambda rs: latest(rs) == {"new": 1, "qualification": 1, "won": 1}
    )
    assert all(headers_of(r)["ce_type"] == LeadsByStatusV1.type for r in records)


async def test_reports_are_for_managers(reporting: RunningService) -> None:
    response = await reporting.http.get("/reports/leads-by-status", headers=auth("anna"))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:leadline:problem:manager_only"


async def test_a_malformed_event_is_dead_lettered_and_consumption_goes_on(
    reporting: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead_id = uuid.uuid4()
    async with GatewayProducer(kafka.bootstrap, namespace) as leads_topic:
        await leads_topic.publish_raw(LEAD.name, b"{not json", headers=[("ce_specversion", b"1.0")])
        bad = created(lead_id).model_dump(mode="json") | {"status_code": None}
        envelope = await leads_topic.publish(created(lead_id))
        await leads_topic.publish_raw(
            LEAD.name,
            str(bad).encode(),
            headers=[(k, v) for k, v in envelope.kafka_headers() if k != "ce_id"] + [("ce_id", b"bad-1")],
        )

    async def counted() -> bool:
        response = await reporting.http.get("/reports/leads-by-status", headers=auth("marta"))
        return bool(response.json() == [{"status_code": "new", "lead_count": 1}])

    await eventually(counted, what="the valid event was counted despite the bad ones around it")
    dead = await read_until(kafka.bootstrap, LEAD.dead_letter, namespace, lambda rs: len(rs) >= 2)
    reasons = {headers_of(r)["dlq_error_class"] for r in dead}
    assert reasons == {"InvalidEnvelope", "ValidationError"}
    first = headers_of(dead[0])
    assert first["dlq_original_topic"] == namespace + LEAD.name
    assert first["dlq_consumer"] == namespace + "leadline.reporting"
    assert first["dlq_error_message"] == "header ce_id is missing"
