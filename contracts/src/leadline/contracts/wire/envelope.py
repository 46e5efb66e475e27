"""CloudEvents 1.0 in Kafka binary mode: attributes travel as ``ce_*`` headers, the event as the value.

``ce_id`` is the de-duplication key of every consumer (FastStream's own message id is
offset-based and changes on redelivery, so it must never be used for that).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from leadline.contracts.wire.events.base import Event, event_type

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
_REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")  # checked in this order
# Every event fits one Kafka record whatever it carries (its fields are capped for that: the mail gateway's e-mail
# is the largest); a record's value larger than this is no Leadline event, and is refused before it is parsed.
MAX_EVENT_BYTES = 1_000_000


class InvalidEnvelope(ValueError):
    """The record is not a Leadline event: a header is missing or malformed, or the type is unknown."""


@dataclass(frozen=True)
class Envelope:
    id: str
    source: str
    type: str
    time: datetime
    subject: str
    data: bytes
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = None

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        source: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        traceparent: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        return cls(
            id=event_id or str(uuid.uuid4()),
            source=source,
            type=event.type,
            time=datetime.now(UTC),
            subject=event.subject,
            data=event.model_dump_json().encode(),
            correlation_id=correlation_id,
            causation_id=causation_id,
            traceparent=traceparent,
        )

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_time": self.time.isoformat(),
            "ce_subject": self.subject,
            "content-type": CONTENT_TYPE,
            "ce_correlationid": self.correlation_id,
            "ce_causationid": self.causation_id,
            "traceparent": self.traceparent,
        }
        return [(k, v.encode()) for k, v in headers.items() if v is not None]

    @classmethod
    def from_kafka(cls, headers: Iterable[tuple[str, bytes | None]], value: bytes | None) -> Envelope:
        # Kafka allows a header without a value; such a header counts as absent. Plain lookups, no helper functions:
        # every record passes here, hundreds of thousands in a replay.
        found = {k: v.decode(errors="replace") for k, v in headers if v is not None}
        for name in _REQUIRED:
            if not found.get(name):
                raise InvalidEnvelope(f"header {name} is missing")
            if name == "ce_specversion" and found[name] != SPEC_VERSION:
                raise InvalidEnvelope(f"header ce_specversion must be {SPEC_VERSION}")
        content_type = found.get("content-type", CONTENT_TYPE)
        if content_type != CONTENT_TYPE and content_type.split(";")[0].strip() != CONTENT_TYPE:
            raise InvalidEnvelope(f"content-type must be {CONTENT_TYPE}, not {content_type!r}")
        try:
            time = datetime.fromisoformat(found["ce_time"])
        except ValueError:
            time = None
        if time is None or time.tzinfo is None:  # RFC 3339 times carry their UTC offset
            raise InvalidEnvelope("header ce_time is not an RFC 3339 timestamp with a UTC offset")
        if value is None:
            raise InvalidEnvelope("the record has no value")
        if len(value) > MAX_EVENT_BYTES:
            raise InvalidEnvelope(
                f"the record's value is {len(value)} bytes; no event is larger than {MAX_EVENT_BYTES}"
            )
        return cls(
            id=found["ce_id"],
            source=found["ce_source"],
            type=found["ce_type"],
            time=time,
            subject=found.get("ce_subject", ""),
            data=value,
            correlation_id=found.get("ce_correlationid"),
            causation_id=found.get("ce_causationid"),
            traceparent=found.get("traceparent"),
        )

    def open(self) -> Event:
        """The validated event inside; InvalidEnvelope for an unknown type, ValidationError for bad data."""
        try:
            model = event_type(self.type)
        except KeyError:
            raise InvalidEnvelope(f"unknown event type {self.type!r}") from None
        return model.model_validate_json(self.data)
