"""Reporting on the real broker: the lead report over HTTP, and its rebuild by replaying the topics into a
fresh database, which must give what the live service built."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from leadline.contracts.platform.messaging.replay import REPLAY_BATCH_RECORDS
from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.wire.events import FunnelMonthV1, PipelineStageV1
from leadline.contracts.wire.topics import CALL, EMAIL, FUNNEL, LEAD, PIPELINE, Topic
from leadline.reporting.app import create_app
from leadline.reporting.config import Settings
from tests.support.builders import deal_changed, lead_created, stage_changed
from tests.support.databases import another_database
from tests.support.integration.topics import DAY_MS, HOUR_MS, topic_settings
from tests.support.kafka import GatewayProducer, LocalKafka, read_until
from tests.support.lead_histories import all_reports, deal_histories, lead_histories, rebuilt_reports, triaged_calls
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def reporting(kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "reporting", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


# Replayed in one batch, or in batches of 37 records: a lead's events then span batches, and each batch is
# fetched while the one before it is applied.
@pytest.mark.parametrize("batch_records", [REPLAY_BATCH_RECORDS, 37])
async def test_a_rebuild_from_the_topics_gives_the_live_reports(
    reporting: RunningService, kafka: LocalKafka, namespace: str, database_url: str, tmp_path: Path, batch_records: int
) -> None:
    events = lead_histories(60, seed=7) + triaged_calls(30, seed=7) + deal_histories(20, seed=7)
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        published = [await producer.publish(event) for event in events]
        await producer.publish(events[0], event_id=published[0].id)  # a redelivery, applied once

    live = reporting.runtime
    await eventually(
        lambda: _applied(live, len(events)), timeout=60, what=f"the live service applied all {len(events)} events"
    )
    expected = await all_reports(live)
    assert sum(cell.count for cell in expected["pivots"][0]) > 20  # the scenario is not trivially empty
    assert sum(stats.arrived for stats in expected["communications"]) == 30
    assert sum(row.values.deal_count for row in expected["pipeline"][0]) > 5
    assert expected["deal_outcomes"]

    async with another_database(database_url, tmp_path, "rebuilt") as rebuilt_url:
        settings = Settings(
            database_url=rebuilt_url, kafka_bootstrap_servers=kafka.bootstrap, kafka_topic_prefix=namespace
        )
        await _migrate(rebuilt_url)
        rebuilt: ServiceRuntime[Any] = create_app(settings).state.runtime
        replayed = await rebuilt.replay(batch_records=batch_records)

        assert replayed.records == len(events) + 1
        assert await all_reports(rebuilt) == expected
        with pytest.raises(RuntimeError, match="replay into a fresh one"):
            await rebuilt.replay()
        await rebuilt.engine.dispose()


async def test_a_time_limited_lead_topic_would_lose_what_a_rebuild_needs_the_catalogue_keeps_it(
    reporting: RunningService, kafka: LocalKafka, namespace: str, database_url: str, tmp_path: Path
) -> None:
    """Reporting folds the lead, call and e-mail topics, and the catalogue keeps them for ever. Were the lead
    topic time-limited (the broker's default: a day on the local broker, a week on a stock Kafka), the broker
    would delete its old segments and a rebuild would silently leave those leads out, while the calls, kept
    for ever, come back whole in the same rebuild."""
    old_leads, old_calls, new_leads = lead_histories(30, seed=21), triaged_calls(20, seed=21), lead_histories(20, 22)
    three_days_ago = int((datetime.now(UTC) - timedelta(days=3)).timestamp() * 1000)
    live = reporting.runtime

    async def old_segments_deleted() -> bool:
        return await _log_start(kafka, namespace, LEAD) == len(old_leads)

    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        # Published while the catalogue's settings keep them: once the topic is time-limited, the broker may
        # delete them at any retention pass, and the live service must have read them first.
        for event in old_leads + old_calls:
            await producer.publish(event, timestamp_ms=three_days_ago)
        await eventually(lambda: _applied(live, len(old_leads + old_calls)), timeout=60, what="the old events applied")
        old_total = _lead_count(await all_reports(live))
        await _time_limit_the_lead_topic(kafka, namespace)
        # The broker deletes (and rolls) the expired segments at its next retention pass. The new leads wait for
        # it: sent earlier, one could land in an old segment before the broker applied the new settings to the
        # log, keeping that segment young.
        await eventually(old_segments_deleted, timeout=60, what="the broker deleted the lead topic's old segments")
        assert await _log_start(kafka, namespace, CALL) == 0  # the same retention pass: kept for ever
        for event in new_leads:
            await producer.publish(event)
    await eventually(lambda: _applied(live, len(old_leads + old_calls + new_leads)), timeout=60, what="all applied")
    expected = await all_reports(live)

    async with another_database(database_url, tmp_path, "rebuilt") as rebuilt_url:
        rebuilt = await rebuilt_reports(rebuilt_url, bootstrap=kafka.bootstrap, prefix=namespace)

    assert rebuilt["communications"] == expected["communications"]
    assert old_total > 0
    assert _lead_count(rebuilt) == _lead_count(expected) - old_total, "the old leads are missing"


async def _time_limit_the_lead_topic(kafka: LocalKafka, namespace: str) -> None:
    """Gives the lead topic a retention in time, as the broker's default would, after checking that the catalogue
    keeps the topics reporting folds for ever."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        for kept in (LEAD, CALL, EMAIL):
            assert (await topic_settings(admin, namespace + kept.name))["retention.ms"] == "-1", kept.name
        topic = namespace + LEAD.name
        time_limited = {"cleanup.policy": "delete", "retention.ms": DAY_MS, "segment.ms": HOUR_MS}
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=time_limited)])

        async def limited() -> bool:
            return await topic_settings(admin, topic) == time_limited

        await eventually(limited, what=f"{topic} is time-limited")
    finally:
        await admin.close()


def _lead_count(reports: dict[str, Any]) -> int:
    return sum(reports["by_status"].values())


async def _log_start(kafka: LocalKafka, namespace: str, topic: Topic) -> int:
    """How many records the broker has deleted from the start of the topic, over its partitions."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap)
    await consumer.start()
    try:
        starts = await consumer.beginning_offsets(
            [TopicPartition(namespace + topic.name, p) for p in range(topic.partitions)]
        )
        return sum(starts.values())
    finally:
        await consumer.stop()


async def _applied(runtime: ServiceRuntime[Any], count: int) -> bool:
    return sum(consumer.processed for consumer in runtime.consumers) >= count


async def _migrate(url: str) -> None:
    await asyncio.to_thread(upgrade, "leadline.reporting", url)


async def test_the_lead_report_over_http(reporting: RunningService, kafka: LocalKafka, namespace: str) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(lead_created(expected_revenue=Decimal("1000.00"), currency="PLN", probability=30))

    async def report() -> dict[str, Any] | None:
        response = await reporting.http.get(
            "/reports/leads",
            params={
                "rows": ["salesperson", "status"],
                "columns": "lead_year",
                "lead_date_from": "2026-01-01T00:00:00Z",
            },
            headers=auth("marta"),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["cells"] else None

    body = await eventually(report, what="the lead reached the report")
    assert body["cells"] == [
        {
            "row": ["anna", "new"],
            "column": ["2026"],
            "count": 1,
            "expected_revenue": [{"currency": "PLN", "amount": "1000.00"}],
            "weighted_revenue": [{"currency": "PLN", "amount": "300.00"}],
        }
    ]
    funnel = await read_until(kafka.bootstrap, FUNNEL, namespace, lambda records: len(records) >= 1)
    assert [(r.key, FunnelMonthV1.model_validate_json(r.value).entered) for r in funnel] == [(b"2026-03/new", 1)]
    for path in ("/reports/funnel", "/reports/workload", "/reports/stuck-leads", "/reports/communications"):
        response = await reporting.http.get(path, headers=auth("marta"))
        assert response.status_code == 200, (path, response.text)


async def test_the_pipeline_reports_over_http_and_on_the_bi_topic(
    reporting: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = lead_created()
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(stage_changed("discovery", probability=25))
        await producer.publish(lead)
        await producer.publish(deal_changed(lead.lead_id, uuid.uuid4(), value=Decimal("400.00")))

    async def value() -> list[dict[str, Any]] | None:
        response = await reporting.http.get("/reports/pipeline-value", headers=auth("marta"))
        assert response.status_code == 200, response.text
        rows: list[dict[str, Any]] = response.json()
        return rows or None

    assert await eventually(value, what="the deal reached the pipeline report") == [
        {
            "pipeline_code": "sales",
            "stage_code": "discovery",
            "salesperson_id": None,
            "deal_count": 1,
            "value": [{"currency": "PLN", "amount": "400.00"}],
            "weighted_value": [{"currency": "PLN", "amount": "100.00"}],
        }
    ]
    cells = await read_until(
        kafka.bootstrap,
        PIPELINE,
        namespace,
        lambda records: any(PipelineStageV1.model_validate_json(r.value).deal_count for r in records),
    )
    assert cells[-1].key == b"sales/discovery"
    for path in ("/reports/pipeline-value", "/reports/deal-outcomes", "/reports/deal-flow"):
        assert (await reporting.http.get(path, headers=auth("marta"))).status_code == 200, path
        assert (await reporting.http.get(path, headers=auth("anna"))).status_code == 403, path
    refused = await reporting.http.get("/reports/pipeline-value", params={"by": "status"}, headers=auth("marta"))
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "by")


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"rows": "colour"}, "rows.0", "enum"),
        ({"rows": "status", "columns": "status"}, "columns", "repeated_dimension"),
        (
            {"lead_date_from": "2026-02-01T00:00:00Z", "lead_date_to": "2026-01-01T00:00:00Z"},
            "lead_date_to",
            "empty_interval",
        ),
        ({"lead_date_from": "2026-02-01T00:00:00"}, "lead_date_from", "timezone_aware"),
    ],
)
async def test_bad_report_parameters_are_refused_naming_the_parameter_and_rule(
    reporting: RunningService, params: dict[str, str], field: str, rule: str
) -> None:
    response = await reporting.http.get("/reports/leads", params=params, headers=auth("marta"))

    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]


@pytest.mark.parametrize(
    "path",
    ["/reports/leads", "/reports/funnel", "/reports/stuck-leads", "/reports/workload", "/reports/communications"],
)
async def test_reports_are_for_managers_only(reporting: RunningService, path: str) -> None:
    response = await reporting.http.get(path, headers=auth("anna"))

    assert response.status_code == 403
