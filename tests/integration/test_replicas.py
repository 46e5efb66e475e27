"""Two replicas of a service on one PostgreSQL database, as `make cluster` and Kubernetes run them: their outbox
relays publish every row once and each key's events in order, their consumers build what one would, and a
consumer-group rebalance in the middle of a batch loses and doubles nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.messaging.consumer import EventConsumer
from leadline.contracts.platform.messaging.record import Record
from leadline.contracts.wire.events import CallRegisteredV1, LeadUpdatedV1
from leadline.contracts.wire.topics import CALL
from tests.support.builders import call_received, lead_created, lead_updated
from tests.support.databases import another_database, sqlite_url
from tests.support.integration.replicas import Replicas, two_replicas
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, read_all
from tests.support.lead_histories import all_reports, lead_histories, rebuilt_reports
from tests.support.services import auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


KEYS = 40
VERSIONS = 10


async def test_two_relays_publish_every_row_once_and_each_keys_events_in_order(
    kafka: LocalKafka, namespace: str, postgres_database_url: str
) -> None:
    async with two_replicas("leads", kafka, namespace, postgres_database_url) as replicas:

        async def write_versions(lead_id: uuid.UUID, offset: int) -> None:
            # One transaction per event, on one replica then the other: each commit wakes its own relay.
            for version in range(1, VERSIONS + 1):
                async with replicas[(offset + version) % 2].runtime.unit_of_work() as uow:
                    await uow.outbox.add(lead_updated(lead_id, version=version))
                    await uow.commit()

        leads = [uuid.uuid4() for _ in range(KEYS)]
        await asyncio.gather(*(write_versions(lead_id, offset) for offset, lead_id in enumerate(leads)))

        await eventually(_relays_drained(replicas), timeout=60, what="both relays published the whole outbox")
        relayed = [replica.runtime.relay.published for replica in replicas]
        topics = {event.topic.name: event.topic for event in replicas[0].runtime.publication.event_types}

    # Beside the updates, leads publishes its configuration once per database (by whichever replica starts first).
    published = [r for topic in topics.values() for r in await read_all(kafka.bootstrap, topic, namespace)]
    event_ids = [headers_of(r)["ce_id"] for r in published]
    assert len(event_ids) == sum(relayed) == len(set(event_ids)), "a row was published twice"
    assert all(relayed), f"each replica's relay published its share: {relayed}"
    records = [r for r in published if headers_of(r)["ce_type"] == LeadUpdatedV1.type]
    assert len(records) == KEYS * VERSIONS
    versions: dict[str, list[int]] = {}
    for record in records:  # in partition order, as a consumer reads them
        versions.setdefault(headers_of(record)["ce_subject"], []).append(
            LeadUpdatedV1.model_validate_json(record.value).version
        )
    assert versions == {str(lead_id): list(range(1, VERSIONS + 1)) for lead_id in leads}


CALLS = 300


async def test_a_rebalance_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    kafka: LocalKafka, namespace: str, postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first replica holds a batch applied but not committed while a second one joins the group, is given
    partitions of it and reads the same records from the last committed offset. The inbox, written in each
    batch's transaction, lets only one of the two apply each event."""
    batch = f"rebalance-{uuid.uuid4().hex[:8]}-"
    calls = [call_received(f"{batch}{n}", caller_number=f"+4871{n:07d}") for n in range(CALLS)]
    handed: dict[int, set[bytes | None]] = defaultdict(set)  # the record keys each replica's consumer was handed
    consume = EventConsumer.consume

    async def recording_consume(self: EventConsumer, records: Sequence[Record]) -> None:
        handed[id(self)].update(record.key for record in records)
        await consume(self, records)

    monkeypatch.setattr(EventConsumer, "consume", recording_consume)
    common: dict[str, Any] = {
        "database_url": postgres_database_url,
        "bootstrap": kafka.bootstrap,
        "topic_prefix": namespace,
    }
    async with running_service("communications", **common) as first:
        (first_consumer,) = first.runtime.consumers
        holding, release = asyncio.Event(), asyncio.Event()
        first_consumer._unit_of_work = _holding_the_first_commit(first_consumer._unit_of_work, holding, release)
        async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
            await asyncio.gather(*(gateway.publish(call) for call in calls))
        await eventually(_is_set(holding), what="the first replica holds a batch uncommitted")
        held = set(handed[id(first_consumer)])  # it takes nothing more while it holds that batch

        async with running_service("communications", **common) as second:
            (second_consumer,) = second.runtime.consumers

            async def second_handed_part_of_the_held_batch() -> bool:
                return bool(handed[id(second_consumer)] & held)

            await eventually(second_handed_part_of_the_held_batch, timeout=60, what="the group rebalanced mid-batch")
            release.set()
            replicas = (first, second)

            async def all_applied() -> bool:
                return sum(r.runtime.consumers[0].processed for r in replicas) >= CALLS

            await eventually(all_applied, timeout=90, what="every call applied by one replica or the other")
            await eventually(_relays_drained(replicas), timeout=60, what="the registrations published")
            applied = [r.runtime.consumers[0].processed for r in replicas]
            dead_lettered = [r.runtime.consumers[0].dead_lettered for r in replicas]
            listed = await _listed_calls(second.http, batch)

    assert sum(applied) == CALLS, f"applied per replica: {applied}"
    assert dead_lettered == [0, 0]
    assert sorted(listed) == sorted(c.pbx_call_id for c in calls)
    registered = [
        CallRegisteredV1.model_validate_json(r.value).pbx_call_id
        for r in await read_all(kafka.bootstrap, CALL, namespace)
        if headers_of(r)["ce_type"] == CallRegisteredV1.type
    ]
    assert sorted(registered) == sorted(c.pbx_call_id for c in calls), "each call registered exactly once"


def _holding_the_first_commit(
    unit_of_work: Callable[[], UnitOfWork], holding: asyncio.Event, release: asyncio.Event
) -> Callable[[], UnitOfWork]:
    """The consumer's units of work, the first of which waits for ``release`` right before it commits."""

    def holding_unit_of_work() -> UnitOfWork:
        uow = unit_of_work()
        commit = uow.commit

        async def held_commit() -> None:
            if not holding.is_set():
                holding.set()
                await release.wait()
            await commit()

        uow.commit = held_commit  # type: ignore[method-assign]
        return uow

    return holding_unit_of_work


def _is_set(event: asyncio.Event) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return event.is_set()

    return probe


def _relays_drained(replicas: Replicas) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return all([await replica.runtime.relay.backlog() == 0 for replica in replicas])

    return probe


async def _listed_calls(http: httpx.AsyncClient, batch: str) -> list[str]:
    """Every call of the batch communications lists (as many times as it lists it)."""
    return [c["pbx_call_id"] for c in await _listed(http, "/calls") if c["pbx_call_id"].startswith(batch)]


async def _listed(http: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    """Every item a list of communications shows the manager, across pages."""
    listed: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await http.get(path, params=params, headers=auth("marta"))).json()
        listed += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return listed


LEADS = 150


async def test_two_reporting_replicas_build_the_reports_one_would(
    kafka: LocalKafka, namespace: str, postgres_database_url: str, tmp_path: Path
) -> None:
    """Reporting folds every lead into counts per status and month: replicas applying batches of different
    partitions at once would each add to counts read before the other's batch committed."""
    events = lead_histories(LEADS, seed=5)
    async with two_replicas("reporting", kafka, namespace, postgres_database_url) as replicas:
        async with GatewayProducer(kafka.bootstrap, namespace) as producer:
            await asyncio.gather(*(producer.publish(event) for event in events))

        async def all_applied() -> bool:
            return sum(r.runtime.consumers[0].processed for r in replicas) >= len(events)

        await eventually(all_applied, timeout=120, what="the two replicas applied every lead event")
        live = await all_reports(replicas[0].runtime)
        applied = [r.runtime.consumers[0].processed for r in replicas]

    async with another_database(postgres_database_url, tmp_path, "alone") as alone_url:
        expected = await rebuilt_reports(alone_url, bootstrap=kafka.bootstrap, prefix=namespace)

    assert all(applied), f"both replicas applied events: {applied}"
    assert live == expected


async def test_a_call_and_the_lead_with_its_number_met_by_two_replicas_at_once_are_attached(
    kafka: LocalKafka, namespace: str, postgres_database_url: str
) -> None:
    """One replica registers a call while the other learns of the lead with the caller's number: whichever
    commits second must see the first, or the call stays in triage for good."""
    leads = [lead_created(phone=f"+4860{n:07d}") for n in range(LEADS)]
    calls = [call_received(caller_number=lead.phone) for lead in leads]
    async with two_replicas("communications", kafka, namespace, postgres_database_url) as replicas:
        async with GatewayProducer(kafka.bootstrap, namespace) as producer:
            await asyncio.gather(
                *(producer.publish(event) for pair in zip(leads, calls, strict=True) for event in pair)
            )

        async def all_applied() -> bool:
            return sum(r.runtime.consumers[0].processed for r in replicas) >= len(leads) + len(calls)

        await eventually(all_applied, timeout=120, what="the two replicas applied every lead and call")
        listed = {c["pbx_call_id"]: c for c in await _listed(replicas[0].http, "/calls")}

    attached = {pbx: call["lead_id"] for pbx, call in listed.items()}
    assert attached == {call.pbx_call_id: str(lead.lead_id) for call, lead in zip(calls, leads, strict=True)}


async def test_services_publish_with_acks_from_every_in_sync_replica_and_idempotence(
    kafka: LocalKafka, namespace: str, tmp_path: Path
) -> None:
    """What makes an acknowledged event survive a broker's loss (acks=all with min.insync.replicas=2 on the
    cluster), and a producer's retry never write it twice."""
    async with running_service(
        "leads", database_url=sqlite_url(tmp_path, "leads"), bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as leads:
        created = await leads.http.post("/leads", json={"name": "Acknowledged by all"}, headers=auth("anna"))
        assert created.status_code == 201
        await eventually(_relays_drained((leads, leads)), what="the lead's event published")
        producer: Any = leads.runtime.broker.config.producer._producer.producer  # type: ignore[attr-defined]

        assert producer._sender._acks == -1  # "all"
        assert producer._txn_manager.producer_id >= 0, "the broker gave the idempotent producer its id"
