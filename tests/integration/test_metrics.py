"""/metrics on the real broker: what a service did shows up in its Prometheus exposition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from leadline.contracts.wire.events import CallReceivedV1
from leadline.contracts.wire.topics import TELEPHONY_CALL
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def communications(kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "communications", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def scraped(service: RunningService) -> Samples:
    response = await service.management.get("/metrics")  # no token, on the management port
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


async def test_metrics_count_what_the_service_consumed_published_and_dead_lettered(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    group = namespace + "leadline.communications"
    call = CallReceivedV1(
        pbx_call_id="pbx-metrics",
        caller_number="+48601234567",
        called_number="+48221234567",
        extension="101",
        received_at=datetime.now(UTC),
    )
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(call)
        await gateway.publish_raw(TELEPHONY_CALL.name, b"{not json")  # no envelope at all: dead-lettered
    listed = await communications.http.get("/calls", headers=auth("marta"))
    assert listed.status_code == 200, listed.text

    async def settled() -> Samples | None:
        samples = await scraped(communications)
        lags = [v for (name, _), v in samples.items() if name == "leadline_consumer_lag_records"]
        done = (
            value(samples, "leadline_events_processed_total", consumer=group) == 1
            and value(samples, "leadline_dead_letters_total", consumer=group) == 1
            and value(samples, "leadline_events_published_total", service="communications") == 1  # call.registered
            and value(samples, "leadline_outbox_backlog", service="communications") == 0
            and lags
            and not any(lags)
        )
        return samples if done else None

    samples = await eventually(settled, what="the call counted, the poison dead-lettered, nothing left behind")
    requests = value(
        samples, "leadline_http_request_duration_seconds_count", method="GET", route="/calls", status="200"
    )
    assert requests == 1  # by route template, so ids never multiply the series


async def test_ready_and_metrics_are_served_on_the_management_port_only(communications: RunningService) -> None:
    ready = await communications.management.get("/ready")
    on_the_api = [await communications.http.get(path) for path in ("/ready", "/metrics")]
    health = [await communications.http.get("/health"), await communications.management.get("/health")]

    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok", "outbox_relay": "ok"}
    assert [r.status_code for r in on_the_api] == [404, 404]
    assert [r.status_code for r in health] == [200, 200]
