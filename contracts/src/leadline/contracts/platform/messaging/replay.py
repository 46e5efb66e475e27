"""Replaying topics from their beginning through a service's consumer: how a read model is rebuilt.

The records go through the very handlers (and inbox) the live consumer uses, in large batches, so the
rebuilt state is the live one by construction; only the batch size differs. No consumer group: the
replay reads up to each partition's end as it was when the replay started, and commits no offsets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from leadline.contracts.platform.collector import collecting_seldom
from leadline.contracts.platform.messaging.consumer import EventConsumer

log = logging.getLogger(__name__)

# Measured on 45k lead events into SQLite, the next batch fetched while one is applied: 5000 a batch ~11.8k events/s,
# 10000 ~14k, 20000 ~15.5k, 40000 ~14.6k (the first batch, fetched alone, is most of the run). Two batches are held
# at once: on 90k lead events, 20000 a batch peaked at ~330 MB RSS when one was.
REPLAY_BATCH_RECORDS = 20000


# Replayed partitions are read from their beginning: fetches as large as a batch's worth of records, not the 1 MiB
# per partition a live consumer fetches, so that gathering a batch takes a few round trips to the broker.
REPLAY_FETCH_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Replayed:
    records: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


class _Batches:
    """Each partition's records from where it stands up to its end as it was when the replay started."""

    def __init__(self, kafka: AIOKafkaConsumer, ends: dict[TopicPartition, int], batch_records: int) -> None:
        self._kafka = kafka
        self._ends = ends
        self._batch_records = batch_records
        self._remaining = set(ends)

    async def next(self) -> list[ConsumerRecord[bytes, bytes]]:
        """Up to ``batch_records`` records, or none when every partition has been read to its end."""
        # getmany hands back what has been fetched so far, often a few dozen records: gathered into full
        # batches, as a transaction per batch is what a replay's speed hangs on.
        records: list[ConsumerRecord[bytes, bytes]] = []
        await self._forget_finished()
        while self._remaining and len(records) < self._batch_records:
            fetched = await self._kafka.getmany(
                *self._remaining, timeout_ms=1000, max_records=self._batch_records - len(records)
            )
            records += [r for tp, batch in fetched.items() for r in batch if r.offset < self._ends[tp]]
            await self._forget_finished()
        return records

    async def _forget_finished(self) -> None:
        self._remaining = {tp for tp in self._remaining if await self._kafka.position(tp) < self._ends[tp]}


async def replay(
    consumer: EventConsumer,
    new_kafka_consumer: Callable[..., AIOKafkaConsumer],
    topics: Sequence[str],
    *,
    batch_records: int = REPLAY_BATCH_RECORDS,
) -> Replayed:
    """``new_kafka_consumer``: builds an aiokafka consumer with the service's connection settings."""
    # Subscribed at first only so that starting waits for the topics' metadata (their partitions), then
    # assigned every partition by hand, to read each from its beginning up to a fixed end.
    kafka = new_kafka_consumer(
        *topics,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=REPLAY_FETCH_BYTES,
        fetch_max_bytes=REPLAY_FETCH_BYTES,
    )
    await kafka.start()
    started = time.perf_counter()
    replayed = 0
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(kafka.partitions_for_topic(t) or ())]
        kafka.unsubscribe()
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        ends = await kafka.end_offsets(partitions)
        batches = _Batches(kafka, ends, batch_records)
        # A batch's records, envelopes, events and rows all live until its commit: with the default thresholds
        # the collector scanned them over and over (a third of a replay's CPU time on 90k lead events).
        with collecting_seldom():
            # The next batch is fetched while this one is applied, whenever the handlers wait (for a read or the
            # commit in SQLite's thread, or for PostgreSQL): gathering a batch had taken a third as long as applying it.
            upcoming = asyncio.ensure_future(batches.next())
            try:
                while records := await upcoming:
                    upcoming = asyncio.ensure_future(batches.next())
                    await consumer.consume(records)
                    replayed += len(records)
            finally:
                upcoming.cancel()
    finally:
        await kafka.stop()
    result = Replayed(replayed, time.perf_counter() - started)
    log.info(
        "%s: replayed %d records in %.1fs (%.0f/s)", consumer.name, result.records, result.seconds, result.per_second
    )
    return result
