"""Replaying topics from their beginning through a service's consumer: how a read model is rebuilt.

The records go through the very handlers (and inbox) the live consumer uses, in large batches, so the
rebuilt state is the live one by construction; only the batch size differs. No consumer group: the
replay reads up to each partition's end as it was when the replay started, and commits no offsets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from leadline.contracts.platform.collector import collecting_seldom
from leadline.contracts.platform.messaging.consumer import EventConsumer

log = logging.getLogger(__name__)

# Measured on 45k lead events into SQLite: 5000 a batch ~4.5k events/s, 20000 ~7k. Larger batches go faster still
# (a lead's events split over fewer transactions are read and rewritten less often) but hold more in memory: on 90k
# lead events, 20000 a batch peak at ~330 MB RSS, 45000 at ~530 MB.
REPLAY_BATCH_RECORDS = 20000


@dataclass(frozen=True)
class Replayed:
    records: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


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
    kafka = new_kafka_consumer(*topics, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
    await kafka.start()
    started = time.perf_counter()
    replayed = 0
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(kafka.partitions_for_topic(t) or ())]
        kafka.unsubscribe()
        kafka.assign(partitions)
        await kafka.seek_to_beginning(*partitions)
        ends = await kafka.end_offsets(partitions)
        remaining = {tp for tp in partitions if await kafka.position(tp) < ends[tp]}
        # A batch's records, envelopes, events and rows all live until its commit: with the default thresholds
        # the collector scanned them over and over (a third of a replay's CPU time on 90k lead events).
        with collecting_seldom():
            while remaining:
                # getmany hands back what has been fetched so far, often a few dozen records: gathered into
                # full batches, as a transaction per batch is what a replay's speed hangs on.
                records: list[ConsumerRecord[bytes, bytes]] = []
                while remaining and len(records) < batch_records:
                    fetched = await kafka.getmany(*remaining, timeout_ms=1000, max_records=batch_records - len(records))
                    records += [r for tp, batch in fetched.items() for r in batch if r.offset < ends[tp]]
                    remaining = {tp for tp in remaining if await kafka.position(tp) < ends[tp]}
                if records:
                    await consumer.consume(records)
                    replayed += len(records)
    finally:
        await kafka.stop()
    result = Replayed(replayed, time.perf_counter() - started)
    log.info(
        "%s: replayed %d records in %.1fs (%.0f/s)", consumer.name, result.records, result.seconds, result.per_second
    )
    return result
