"""Dead-letter routing: a record that cannot be processed goes to ``<topic>.dlq`` with the reason."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from leadline.contracts.platform.messaging.publisher import RawPublisher
from leadline.contracts.platform.messaging.record import Record
from leadline.contracts.wire.envelope import MAX_EVENT_BYTES
from leadline.contracts.wire.topics import DEAD_LETTER_SUFFIX

log = logging.getLogger(__name__)

REASON_MAX_LENGTH = 2000
# A record near the broker's size limit would no longer fit once the dead-letter headers are added, and a dead
# letter that cannot be sent stops the partition. Such a value is left out: the headers say where the original is.
FORWARDED_VALUE_MAX_BYTES = MAX_EVENT_BYTES


class DeadLetters:
    def __init__(self, publisher: RawPublisher, *, consumer: str) -> None:
        self._publisher = publisher
        self._consumer = consumer
        self.sent = 0

    async def send(self, record: Record, error: BaseException) -> None:
        """Publishes the original key, value and headers, plus where it came from and why it failed (a value too
        large to forward is left out, saying so). Awaited before the offset is committed, so a dead letter is never
        lost either."""
        headers = {k: v.decode(errors="replace") for k, v in record.headers if v is not None}
        value = record.value or b""
        if len(value) > FORWARDED_VALUE_MAX_BYTES:
            headers["dlq_value_omitted_bytes"] = str(len(value))
            value = b""
        headers.update(
            {
                "dlq_original_topic": record.topic,
                "dlq_original_partition": str(record.partition),
                "dlq_original_offset": str(record.offset),
                "dlq_consumer": self._consumer,
                "dlq_error_class": type(error).__name__,
                "dlq_error_message": str(error)[:REASON_MAX_LENGTH],
                "dlq_failed_at": datetime.now(UTC).isoformat(),
            }
        )
        await self._publisher.send_all(
            [
                (
                    record.topic + DEAD_LETTER_SUFFIX,
                    record.key,
                    value,
                    headers,
                )
            ]
        )
        self.sent += 1
        log.warning(
            "dead-lettered %s[%s]@%s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            type(error).__name__,
            error,
        )
