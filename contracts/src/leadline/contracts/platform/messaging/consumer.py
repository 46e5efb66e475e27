"""Consuming events: validate, de-duplicate through the inbox, apply in one transaction per batch.

The FastStream subscriber acknowledges (commits offsets) only after ``consume`` returns, that
is after the database commit; an exception makes it rewind, so the batch comes again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Insert, insert, literal, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.locks import CONSUMER_BATCH, take_turn
from leadline.contracts.platform.messaging.dead_letters import DeadLetters
from leadline.contracts.platform.messaging.record import Record
from leadline.contracts.platform.messaging.tables import inbox
from leadline.contracts.platform.sql import is_in, values_table
from leadline.contracts.wire.envelope import Envelope, InvalidEnvelope
from leadline.contracts.wire.events.base import EVENT_TYPES, Event, is_newer_version_of_a_known_type

log = logging.getLogger(__name__)

EventHandler = Callable[[Any, Any, Envelope], Awaitable[None]]
"""``handler(uow, event, envelope)``: applies one event inside the caller's transaction."""


# Failures of the infrastructure rather than of the message: retrying later can succeed, so the
# batch is handed back to Kafka instead of being dead-lettered.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
)


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class Delivery:
    record: Record
    envelope: Envelope
    event: Event


@dataclass(frozen=True)
class Together:
    """A handler that applies a run of events of one type at once (events in batch order): one lookup per kind of
    key for all of them and bulk writes, where one event at a time would cost a few round trips to the database
    each. ``apply(uow, [(event, envelope), ...])`` must give what applying them one by one in that order would."""

    apply: Callable[[Any, Sequence[tuple[Any, Envelope]]], Awaitable[None]]


Handler = EventHandler | Together


@dataclass(frozen=True)
class BatchSteps:
    """Optional steps around a batch's handlers, in its transaction, each given the batch's new deliveries:
    ``prepare`` before them (e.g. load in one query what they will need), ``finish`` after (e.g. write what
    they folded in memory). For a consumer that must go fast, such as a read model replayed from the start."""

    prepare: Callable[[Any, Sequence[Delivery]], Awaitable[None]]
    finish: Callable[[Any, Sequence[Delivery]], Awaitable[None]]


RETRY_BACKOFF = Backoff(first_seconds=0.2, max_seconds=5.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How often a record that fails alone is tried before it goes to the dead letters, and the waits between."""

    attempts: int = 3
    backoff: Backoff = RETRY_BACKOFF


class EventConsumer:
    def __init__(
        self,
        name: str,
        unit_of_work: Callable[[], UnitOfWork],
        handlers: Mapping[type[Event], Handler],
        dead_letters: DeadLetters,
        retry: RetryPolicy = RetryPolicy(),
        external_topics: frozenset[str] = frozenset(),
        batch_steps: BatchSteps | None = None,
    ) -> None:
        self.name = name
        self._batch_steps = batch_steps
        self._unit_of_work = unit_of_work
        self._handlers = handlers
        self._dead_letters = dead_letters
        self._retry = retry
        self._external_topics = external_topics
        self.processed = 0

    @property
    def dead_lettered(self) -> int:
        return self._dead_letters.sent

    @property
    def event_types(self) -> frozenset[type[Event]]:
        return frozenset(self._handlers)

    async def has_applied_any(self) -> bool:
        async with self._unit_of_work() as uow:
            query = select(inbox.c.event_id).where(inbox.c.consumer == self.name).limit(1)
            return (await uow.session.execute(query)).first() is not None

    async def consume(self, records: Sequence[Record]) -> None:
        deliveries: list[Delivery] = []
        for record in records:
            try:
                envelope = Envelope.from_kafka(record.headers, record.value)
                model = EVENT_TYPES.get(envelope.type)
                if model is None and (
                    record.topic in self._external_topics or not is_newer_version_of_a_known_type(envelope.type)
                ):
                    raise InvalidEnvelope(f"unknown event type {envelope.type!r}")
                if model not in self._handlers:
                    continue  # a type this consumer has no use for, or a newer major version of one it reads
                event = envelope.open()
            except (InvalidEnvelope, ValidationError) as error:
                await self._dead_letters.send(record, error)
                continue
            deliveries.append(Delivery(record, envelope, event))
        if deliveries:
            await self._apply_isolating(deliveries)

    async def _apply_isolating(self, deliveries: Sequence[Delivery]) -> None:
        """Applies the batch; when it fails, its halves in order, down to the one message at fault (which goes to
        the dead letters): a poison message costs a few transactions, not one per message of its batch."""
        if len(deliveries) == 1:
            await self._apply_alone(deliveries[0])
            return
        try:
            await self._apply(deliveries)
        except Exception as error:
            if _is_transient(error):
                raise
            log.warning("%s: batch of %d failed (%r); halving it", self.name, len(deliveries), error)
            middle = len(deliveries) // 2
            await self._apply_isolating(deliveries[:middle])
            await self._apply_isolating(deliveries[middle:])

    async def _apply(self, deliveries: Sequence[Delivery]) -> None:
        async with self._unit_of_work() as uow:
            # Replicas apply their batches one at a time. Handlers fold events into state that spans keys and
            # partitions (reporting's counts per status, communications matching a call with the lead that has
            # its number): two batches at once, each reading before the other committed, would each miss the
            # other's writes. The inbox below already keeps one event from being applied twice.
            await take_turn(uow.session, CONSUMER_BATCH, self.name)
            dialect = uow.session.get_bind().dialect
            ids = is_in(inbox.c.event_id, {d.envelope.id for d in deliveries}, dialect)
            query = select(inbox.c.event_id).where(inbox.c.consumer == self.name, ids)
            seen = set((await uow.session.execute(query)).scalars())
            unseen: list[Delivery] = []
            for delivery in deliveries:
                if delivery.envelope.id not in seen:
                    seen.add(delivery.envelope.id)
                    unseen.append(delivery)
            if self._batch_steps and unseen:
                await self._batch_steps.prepare(uow, unseen)
            for handler, run in _runs(unseen, self._handlers):
                if isinstance(handler, Together):
                    await handler.apply(uow, [(delivery.event, delivery.envelope) for delivery in run])
                else:
                    for delivery in run:
                        await handler(uow, delivery.event, delivery.envelope)
            if self._batch_steps and unseen:
                await self._batch_steps.finish(uow, unseen)
            fresh = [d.envelope.id for d in unseen]
            if fresh:
                await uow.session.execute(self._inbox_insert(fresh, dialect))
            await uow.commit()
        self.processed += len(fresh)

    def _inbox_insert(self, event_ids: Sequence[str], dialect: Dialect) -> Insert:
        """One statement and one parameter for the batch's ids: a replay writes hundreds of thousands."""
        processed = select(
            literal(self.name, inbox.c.consumer.type),
            values_table(event_ids, inbox.c.event_id.type, dialect).c.value,
            literal(datetime.now(UTC), inbox.c.processed_at.type),
        )
        return insert(inbox).from_select(["consumer", "event_id", "processed_at"], processed)

    async def _apply_alone(self, delivery: Delivery) -> None:
        for attempt in range(self._retry.attempts):
            try:
                await self._apply([delivery])
                return
            except Exception as error:
                if _is_transient(error):
                    raise
                if attempt + 1 == self._retry.attempts:
                    await self._dead_letters.send(delivery.record, error)
                    return
                await asyncio.sleep(self._retry.backoff.seconds(attempt))


def _runs(
    deliveries: Sequence[Delivery], handlers: Mapping[type[Event], Handler]
) -> list[tuple[Handler, list[Delivery]]]:
    """The deliveries cut where the handler changes: each run is handled at once, and runs in batch order."""
    runs: list[tuple[Handler, list[Delivery]]] = []
    for delivery in deliveries:
        handler = handlers[type(delivery.event)]
        if runs and runs[-1][0] is handler:
            runs[-1][1].append(delivery)
        else:
            runs.append((handler, [delivery]))
    return runs
