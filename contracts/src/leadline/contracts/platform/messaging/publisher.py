"""Raw publishing to Kafka through the service's FastStream broker and its producer."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from faststream.kafka import KafkaBroker


class RawPublisher:
    """Sends already-encoded records; the broker's producer is idempotent with ``acks=all``."""

    def __init__(self, broker: KafkaBroker, timeout: float = 30.0) -> None:
        self._broker = broker
        self._timeout = timeout

    async def send_all(self, records: Sequence[tuple[str, str | bytes | None, bytes, dict[str, str]]]) -> None:
        """Sends every record, then waits for all acknowledgements: one round trip per batch, order kept per key."""
        pending: list[asyncio.Future[RecordMetadata]] = []
        producer = self._connected_producer()
        for topic, key, value, headers in records:
            encoded_key = key.encode() if isinstance(key, str) else key
            if producer is not None:
                encoded_headers = [(name, text.encode()) for name, text in headers.items()]
                pending.append(await producer.send(topic, value, key=encoded_key, headers=encoded_headers))
                continue
            sent = await self._broker.publish(value, topic, key=encoded_key, headers=headers, no_confirm=True)
            if inspect.isawaitable(sent):  # FastStream's in-memory test broker delivers at once instead
                pending.append(sent)
        if not pending:
            return
        # asyncio.wait, not gather/wait_for: those cancel the producer's delivery futures when we
        # are cancelled or time out, and a producer left with cancelled batches never stops.
        done, unfinished = await asyncio.wait(pending, timeout=self._timeout)
        if unfinished:
            raise TimeoutError(f"{len(unfinished)} of {len(pending)} records not acknowledged in {self._timeout:.0f}s")
        for delivery in done:
            delivery.result()  # raises what the broker refused

    def _connected_producer(self) -> AIOKafkaProducer | None:
        """The broker's own aiokafka producer, to send the records through directly: FastStream's publish path (its
        middlewares, codec and a correlation id of its own, which the envelope's headers already carry) was a third
        of the relay's time on the event loop, and an intake burst's loop is busy. None under the in-memory test broker,
        which only sees what goes through ``publish``."""
        state = getattr(self._broker.config.broker_config.producer, "_producer", None)
        producer = getattr(state, "producer", None)
        return producer if isinstance(producer, AIOKafkaProducer) else None
