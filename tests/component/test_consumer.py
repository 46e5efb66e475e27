"""EventConsumer on a real database: a batch is applied in one transaction, a message at fault is isolated and
dead-lettered after its retries, and an infrastructure failure goes back to Kafka instead.

The consumer is built directly (as ``ServiceRuntime.subscribe`` does) around the documents service's unit of
work, its real handlers wrapped to fail on demand, and the real ``DeadLetters`` on a recording publisher.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.messaging.consumer import EventConsumer, RetryPolicy, Together
from leadline.contracts.platform.messaging.dead_letters import DeadLetters
from leadline.contracts.platform.messaging.outbox import Publication
from leadline.contracts.platform.messaging.publisher import RawPublisher
from leadline.contracts.platform.messaging.tables import inbox
from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.wire.envelope import MAX_EVENT_BYTES, Envelope
from leadline.contracts.wire.events import Event, LeadCreatedV1, LeadStatusChangedV1
from leadline.documents.adapters.tables import lead_copies
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork
from leadline.documents.service.copies import copy_leads, lead_status_changed
from tests.support.builders import FakeRecord, call_received, lead_created, record_of, status_changed
from tests.support.databases import sqlite_url

CONSUMER = "leadline.documents"


class RecordingPublisher(RawPublisher):
    """Stands in for Kafka under the real DeadLetters: keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | bytes | None, bytes, dict[str, str]]] = []

    async def send_all(self, records: Sequence[tuple[str, str | bytes | None, bytes, dict[str, str]]]) -> None:
        self.sent.extend(records)


@dataclass
class Failures:
    """Handlers that fail for chosen event ids (for ever, or for their first attempts), counting every attempt."""

    failing: dict[str, BaseException] = field(default_factory=dict)
    failing_attempts: dict[str, int] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)

    def wrap(self, handler: Any) -> Any:
        async def maybe_failing(uow: DocumentsUnitOfWork, event: Event, envelope: Envelope) -> None:
            attempt = self._attempted(envelope)
            await handler(uow, event, envelope)  # written first, so a failure must roll it back
            if envelope.id in self.failing and attempt <= self.failing_attempts.get(envelope.id, attempt):
                raise self.failing[envelope.id]

        return maybe_failing

    def wrap_together(self, apply: Any) -> Together:
        """As ``wrap``, for a handler that applies a run of events at once: the run fails if one of them does."""

        async def maybe_failing(uow: DocumentsUnitOfWork, events: Sequence[tuple[Event, Envelope]]) -> None:
            attempts = {envelope.id: self._attempted(envelope) for _, envelope in events}
            await apply(uow, events)  # written first, so a failure must roll it back
            for event_id, attempt in attempts.items():
                if event_id in self.failing and attempt <= self.failing_attempts.get(event_id, attempt):
                    raise self.failing[event_id]

        return Together(maybe_failing)

    def _attempted(self, envelope: Envelope) -> int:
        attempt = self.attempts[envelope.id] = self.attempts.get(envelope.id, 0) + 1
        return attempt


@dataclass
class Harness:
    consumer: EventConsumer
    sessions: async_sessionmaker[AsyncSession]
    publisher: RecordingPublisher
    failures: Failures
    offsets: int = 0

    def record(self, event: Event, *, event_id: str | None = None) -> tuple[FakeRecord, Envelope]:
        envelope = Envelope.wrap(event, source="leadline/test", event_id=event_id)
        self.offsets += 1
        return record_of(envelope, event.topic.name, self.offsets), envelope

    async def copies(self) -> dict[UUID, str]:
        async with self.sessions() as session:
            rows = await session.execute(select(lead_copies.c.lead_id, lead_copies.c.status_code))
            return dict(rows.all())

    async def inbox(self) -> set[str]:
        async with self.sessions() as session:
            return set((await session.execute(select(inbox.c.event_id).where(inbox.c.consumer == CONSUMER))).scalars())

    async def inbox_size(self) -> int:
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(inbox))).scalar_one())

    def dead_letters(self) -> list[tuple[str, bytes, dict[str, str]]]:
        return [(topic, value, headers) for topic, _key, value, headers in self.publisher.sent]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    url = sqlite_url(tmp_path, "documents")
    await asyncio.to_thread(upgrade, "leadline.documents", url)
    engine = create_engine(url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    publication = Publication(source="leadline/documents", event_types=frozenset())
    failures = Failures()
    publisher = RecordingPublisher()
    consumer = EventConsumer(
        CONSUMER,
        lambda: DocumentsUnitOfWork(sessions, publication),
        {
            LeadCreatedV1: failures.wrap_together(copy_leads),
            LeadStatusChangedV1: failures.wrap(lead_status_changed),
        },
        DeadLetters(publisher, consumer=CONSUMER),
        RetryPolicy(attempts=3, backoff=Backoff(first_seconds=0.0, max_seconds=0.0)),  # retries without waiting
    )
    try:
        yield Harness(consumer, sessions, publisher, failures)
    finally:
        await engine.dispose()


async def test_a_batch_is_applied_and_each_event_recorded_in_the_inbox(harness: Harness) -> None:
    created = lead_created()
    (first, first_envelope), (second, second_envelope) = (
        harness.record(created),
        harness.record(status_changed(created.lead_id, "new", "proposal")),
    )

    await harness.consumer.consume([first, second])

    assert await harness.copies() == {created.lead_id: "proposal"}
    assert await harness.inbox() == {first_envelope.id, second_envelope.id}
    assert harness.consumer.processed == 2
    assert harness.dead_letters() == []


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug in the handler"),
        RuleViolation("refused by the domain", rule="some_rule"),
        IntegrityError("INSERT INTO lead_copies ...", {}, Exception("UNIQUE constraint failed")),
    ],
    ids=["bug", "rule violation", "integrity error"],
)
async def test_one_failing_message_is_dead_lettered_after_its_retries_and_the_rest_of_the_batch_applies(
    harness: Harness, error: Exception
) -> None:
    leads = [lead_created() for _ in range(3)]
    records = [harness.record(lead) for lead in leads]
    [(_, good_1), (bad_record, bad), (_, good_2)] = records
    harness.failures.failing[bad.id] = error

    await harness.consumer.consume([record for record, _ in records])

    assert await harness.copies() == {leads[0].lead_id: "new", leads[2].lead_id: "new"}
    assert await harness.inbox() == {good_1.id, good_2.id}
    assert harness.failures.attempts[bad.id] == 1 + 1 + 3, (
        "once in the batch, once in the half it fell in, then alone for each of its attempts"
    )
    [(topic, value, headers)] = harness.dead_letters()
    assert (topic, value) == ("leadline.leads.lead.dlq", bad_record.value)
    assert headers["ce_id"] == bad.id
    assert headers["dlq_error_class"] == type(error).__name__
    assert headers["dlq_error_message"] == str(error)
    assert (headers["dlq_original_topic"], headers["dlq_original_offset"], headers["dlq_consumer"]) == (
        "leadline.leads.lead",
        str(bad_record.offset),
        CONSUMER,
    )


async def test_a_poison_message_in_a_large_batch_costs_a_few_transactions_not_one_per_message(
    harness: Harness,
) -> None:
    leads = [lead_created() for _ in range(32)]
    records = [harness.record(lead) for lead in leads]
    poison = records[19][1]
    harness.failures.failing[poison.id] = ValueError("poison")

    await harness.consumer.consume([record for record, _ in records])

    assert set(await harness.copies()) == {lead.lead_id for n, lead in enumerate(leads) if n != 19}
    [(_, _, headers)] = harness.dead_letters()
    assert headers["ce_id"] == poison.id
    # Halved down to it: the batch of 32, then the halves of 16, 8, 4 and 2 it fell in, then alone 3 times.
    assert harness.failures.attempts[poison.id] == 5 + 3
    assert max(n for event_id, n in harness.failures.attempts.items() if event_id != poison.id) <= 5 + 1


async def test_a_message_that_succeeds_on_a_retry_is_not_dead_lettered(harness: Harness) -> None:
    created = lead_created()
    record, envelope = harness.record(created)
    harness.failures.failing[envelope.id] = ValueError("only for a while")
    harness.failures.failing_attempts[envelope.id] = 2  # in the batch, and alone the first time

    await harness.consumer.consume([record])

    assert harness.failures.attempts[envelope.id] == 3
    assert await harness.copies() == {created.lead_id: "new"}
    assert await harness.inbox() == {envelope.id}
    assert harness.dead_letters() == []


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT ...", {}, Exception("database is locked")),
        DBAPIError("SELECT ...", {}, Exception("server closed the connection"), connection_invalidated=True),
        ConnectionRefusedError("database down"),
        TimeoutError("no answer"),
    ],
    ids=["operational error", "invalidated connection", "OS error", "timeout"],
)
async def test_an_infrastructure_failure_goes_back_to_kafka_with_nothing_applied(
    harness: Harness, error: Exception
) -> None:
    leads = [lead_created() for _ in range(3)]
    records = [harness.record(lead) for lead in leads]
    harness.failures.failing[records[1][1].id] = error

    with pytest.raises(type(error)):
        await harness.consumer.consume([record for record, _ in records])

    assert await harness.copies() == {}
    assert await harness.inbox_size() == 0
    assert harness.dead_letters() == []


async def test_after_an_infrastructure_failure_the_redelivered_batch_applies_once(harness: Harness) -> None:
    leads = [lead_created() for _ in range(2)]
    records = [harness.record(lead) for lead in leads]
    harness.failures.failing[records[0][1].id] = OperationalError("SELECT ...", {}, Exception("database is locked"))
    with pytest.raises(OperationalError):
        await harness.consumer.consume([record for record, _ in records])

    harness.failures.failing.clear()  # the database is back; Kafka delivers the same records again
    await harness.consumer.consume([record for record, _ in records])
    await harness.consumer.consume([record for record, _ in records])

    assert await harness.copies() == {lead.lead_id: "new" for lead in leads}
    assert await harness.inbox() == {envelope.id for _, envelope in records}
    assert harness.consumer.processed == 2


async def test_an_event_twice_in_one_batch_is_applied_once(harness: Harness) -> None:
    created = lead_created()
    record, envelope = harness.record(created)
    moved, _ = harness.record(status_changed(created.lead_id, "new", "won", closed=True))
    created_again, _ = harness.record(created, event_id=envelope.id)

    await harness.consumer.consume([record, moved, created_again])

    assert harness.failures.attempts[envelope.id] == 1
    assert await harness.copies() == {created.lead_id: "won"}
    assert harness.consumer.processed == 2


async def test_malformed_records_are_dead_lettered_and_the_valid_ones_applied(harness: Harness) -> None:
    created = lead_created()
    valid, envelope = harness.record(created)
    no_headers = FakeRecord("leadline.leads.lead", 0, 90, b"k", valid.value, [])
    bad_json = FakeRecord("leadline.leads.lead", 0, 91, b"k", b"{", valid.headers)
    tombstone = FakeRecord("leadline.leads.lead", 0, 92, b"k", None, valid.headers)

    await harness.consumer.consume([no_headers, valid, bad_json, tombstone])

    assert await harness.copies() == {created.lead_id: "new"}
    assert await harness.inbox() == {envelope.id}
    assert [(h["dlq_original_offset"], h["dlq_error_class"]) for _, _, h in harness.dead_letters()] == [
        ("90", "InvalidEnvelope"),
        ("91", "ValidationError"),
        ("92", "InvalidEnvelope"),
    ]
    assert harness.dead_letters()[2][1] == b"", "a record without a value is dead-lettered with an empty one"


async def test_event_types_the_consumer_has_no_handler_for_are_skipped_quietly(harness: Harness) -> None:
    record, _ = harness.record(call_received())

    await harness.consumer.consume([record])

    assert await harness.inbox_size() == 0
    assert harness.dead_letters() == []
    assert harness.consumer.event_types == {LeadCreatedV1, LeadStatusChangedV1}


async def test_a_record_with_a_null_header_value_does_not_block_the_batch(harness: Harness) -> None:
    created, other = lead_created(), lead_created()
    first, _ = harness.record(created)
    with_null, _ = harness.record(other)
    poisoned = FakeRecord(
        with_null.topic,
        with_null.partition,
        with_null.offset,
        with_null.key,
        with_null.value,
        cast(Sequence[tuple[str, bytes]], [*with_null.headers, ("x-gateway-hint", None)]),
    )

    await harness.consumer.consume([first, poisoned])

    copies = await harness.copies()
    assert created.lead_id in copies
    assert (other.lead_id in copies) != (len(harness.dead_letters()) == 1), "the other one applied or dead-lettered"


async def test_a_record_too_large_for_any_event_is_dead_lettered_without_its_value_and_the_next_applies(
    harness: Harness,
) -> None:
    created = lead_created()
    record, envelope = harness.record(created)
    padded = envelope.data[:-1] + b', "padding": "' + b"x" * MAX_EVENT_BYTES + b'"}'
    oversized = FakeRecord(record.topic, 0, record.offset, record.key, padded, record.headers)
    following, following_envelope = harness.record(lead_created())

    await harness.consumer.consume([oversized, following])

    [(topic, value, headers)] = harness.dead_letters()
    assert (topic, value, headers["dlq_value_omitted_bytes"]) == ("leadline.leads.lead.dlq", b"", str(len(padded)))
    assert headers["dlq_error_class"] == "InvalidEnvelope"
    assert f"{len(padded)} bytes" in headers["dlq_error_message"]
    assert await harness.inbox() == {following_envelope.id}
