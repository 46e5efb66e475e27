"""Raw publishing to Kafka through the service's FastStream broker."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Sequence

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
        for topic, key, value, headers in records:
            sent = await self._broker.publish(
                value,
                topic,
                key=key.encode() if isinstance(key, str) else key,
                headers=headers,
                no_confirm=True,
            )
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
