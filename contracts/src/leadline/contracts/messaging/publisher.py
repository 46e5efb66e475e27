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
        if pending:
            await asyncio.wait_for(asyncio.gather(*pending), self._timeout)
