"""The documents service keeps its own copy of leads from lead events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from leadline.contracts.wire.events import LeadCreatedV1, LeadStatusChangedV1
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def documents(kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "documents", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def test_lead_copy_follows_lead_events(documents: RunningService, kafka: LocalKafka, namespace: str) -> None:
    lead_id = uuid.uuid4()
    async with GatewayProducer(kafka.bootstrap, namespace) as leads_topic:
        await leads_topic.publish(
            LeadCreatedV1(
                lead_id=lead_id,
                name="Printer lease",
                type_code="sale",
                status_code="new",
                closed=False,
                salesperson_id="anna",
                phone="+48601234567",
                email="buyer@example.com",
                created_by="anna",
                created_at=datetime.now(UTC),
            )
        )
        await leads_topic.publish(
            LeadStatusChangedV1(
                lead_id=lead_id,
                from_status_code="new",
                to_status_code="won",
                closed=True,
                changed_by="anna",
                changed_at=datetime.now(UTC),
            )
        )

    async def copy_is_won() -> dict[str, object] | None:
        response = await documents.http.get(f"/leads/{lead_id}", headers=auth("anna"))
        body: dict[str, object] = response.json()
        return body if response.status_code == 200 and body["status_code"] == "won" else None

    copy = await eventually(copy_is_won, what="documents copied the lead and its move")
    assert copy == {
        "lead_id": str(lead_id),
        "name": "Printer lease",
        "status_code": "won",
        "closed": True,
        "salesperson_id": "anna",
        "phone": "+48601234567",
        "email": "buyer@example.com",
        "deleted": False,
        **dict.fromkeys(
            ("partner_id", "product_code", "expected_revenue", "currency", "street", "city", "postal_code", "country")
        ),
    }
    missing = await documents.http.get(f"/leads/{uuid.uuid4()}", headers=auth("anna"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
