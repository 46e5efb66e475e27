"""Documents on the real broker: the settings and leads it reads, published as the other services would."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from leadline.contracts.wire.events import Event, LeadCreatedV1, SettingChangedV1
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

CONCURRENT_CREATES = 24


async def publish(kafka: LocalKafka, namespace: str, *events: Event) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        for event in events:
            await producer.publish(event)


def setting(key: str, value: str | None) -> SettingChangedV1:
    return SettingChangedV1(key=key, value=value, changed_by="marta", changed_at=datetime.now(UTC))


async def settings_known(documents: RunningService, **expected: str | None) -> None:
    """Settings and leads travel on different topics: waits until documents have read the settings."""

    async def known() -> bool:
        async with documents.runtime.unit_of_work() as uow:
            current = await uow.settings.all()
        return all(current.get(key, "unset") == value for key, value in expected.items())

    await eventually(known, what=f"documents read the settings {expected}")


async def a_lead(kafka: LocalKafka, namespace: str, documents: RunningService) -> str:
    """Anna's lead with a product worth 1500 PLN, as the leads service announces it; its id once copied."""
    lead_id = uuid.uuid4()
    await publish(
        kafka,
        namespace,
        LeadCreatedV1(
            lead_id=lead_id,
            name="Printer lease",
            type_code="sale",
            status_code="new",
            closed=False,
            salesperson_id="anna",
            phone=None,
            email=None,
            created_by="anna",
            created_at=datetime.now(UTC),
            product_code="printer",
            expected_revenue=Decimal("1500.00"),
            currency="PLN",
            street="ul. Długa 5",
            city="Gdańsk",
            postal_code="80-001",
            country="PL",
        ),
    )

    async def copied() -> bool:
        return (await documents.http.get(f"/leads/{lead_id}", headers=auth("anna"))).status_code == 200

    await eventually(copied, what="documents copied the lead")
    return str(lead_id)
