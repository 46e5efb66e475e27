"""Topic provisioning on the real broker: every topic as the catalogue says, existing ones reconciled with it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from leadline.contracts.platform.topic_provisioning import provision
from leadline.contracts.wire.topics import LEAD, REFERENCE, all_topics
from tests.support.integration.topics import DAY_MS, HOUR_MS, topic_settings
from tests.support.kafka import LocalKafka
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
async def admin(kafka: LocalKafka) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await client.start()
    try:
        yield client
    finally:
        await client.close()


async def known_settings(admin: AIOKafkaAdminClient, name: str) -> dict[str, str]:
    """The topic's own settings once the broker describes them: a topic just created may be described before the
    broker has applied the controller's record of it, as if it had none."""

    async def described() -> dict[str, str] | None:
        return await topic_settings(admin, name) or None

    return await eventually(described, what=f"the broker to describe {name}'s settings")


async def partitions(admin: AIOKafkaAdminClient, name: str) -> int:
    (topic,) = await admin.describe_topics([name])
    return len(topic["partitions"])


async def _as_catalogued(admin: AIOKafkaAdminClient, lead: str) -> bool:
    return await topic_settings(admin, lead) == LEAD.broker_config()


async def test_every_topic_is_created_as_catalogued_and_a_second_run_changes_nothing(
    kafka: LocalKafka, admin: AIOKafkaAdminClient
) -> None:
    prefix = f"p{uuid.uuid4().hex[:8]}."

    done = await provision(kafka.settings(prefix))

    assert sorted(done.created) == sorted(prefix + t.name for t in all_topics())
    assert (done.changed, done.warnings) == ({}, [])
    for topic in all_topics():
        assert await known_settings(admin, prefix + topic.name) == topic.broker_config(), topic.name
        assert await partitions(admin, prefix + topic.name) == topic.partitions
    assert (await topic_settings(admin, prefix + LEAD.name))["retention.ms"] == "-1"  # kept for ever
    again = await provision(kafka.settings(prefix))
    assert (again.created, again.changed, again.warnings) == ([], {}, [])
    assert "topics changed: none" in again.summary()


async def test_topics_made_otherwise_are_reconciled_and_what_changed_is_said(
    kafka: LocalKafka, admin: AIOKafkaAdminClient
) -> None:
    prefix = f"p{uuid.uuid4().hex[:8]}."
    lead, reference = prefix + LEAD.name, prefix + REFERENCE.name
    # As an earlier release left them: the lead topic on a day's retention and one partition, the
    # reference topic with more partitions than catalogued.
    await admin.create_topics(
        [
            NewTopic(lead, 1, 1, topic_configs={"retention.ms": DAY_MS, "segment.ms": HOUR_MS}),
            NewTopic(reference, 3, 1, topic_configs={"cleanup.policy": "compact"}),
        ]
    )

    done = await provision(kafka.settings(prefix))

    assert lead not in done.created
    assert done.changed[lead] == [
        "cleanup.policy (broker default) → delete",
        f"retention.ms {DAY_MS} → -1",
        "retention.bytes (broker default) → -1",
        "min.insync.replicas (broker default) → 1",
        f"segment.ms {HOUR_MS} → (removed: not catalogued)",
        "partitions 1 → 3",
    ]
    assert done.changed[reference] == ["min.insync.replicas (broker default) → 1"]
    await eventually(lambda: _as_catalogued(admin, lead), what="the broker shows the lead topic reconciled")
    assert await partitions(admin, lead) == 3
    assert await partitions(admin, reference) == 3
    assert done.warnings == [
        f"{lead}: keys now map to other partitions; a key's events from before and after may be read out of order",
        f"{reference} has 3 partitions, the catalogue 1: partitions can only grow, so it keeps them",
    ]
    summary = done.summary()
    assert f"topic {lead} changed: cleanup.policy (broker default) → delete; retention.ms {DAY_MS} → -1" in summary
    assert "warning: " + done.warnings[1] in summary
    again = await provision(kafka.settings(prefix))
    assert again.changed == {}
    assert again.warnings == [done.warnings[1]]  # the one thing it cannot do, said every time
