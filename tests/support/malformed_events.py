"""The malformed-event corpus: for every topic a Leadline service consumes, a valid event, and the ways a record of it
can be broken. Each broken record must land in ``<topic>.dlq`` with its reason, and the valid event after it be
processed: the consumer goes on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from leadline.contracts.wire.envelope import MAX_EVENT_BYTES, Envelope
from leadline.contracts.wire.events import EmployeeChangedV1, Event, InvoiceCreatedV1
from leadline.contracts.wire.topics import (
    CALL,
    EMAIL,
    EMPLOYEE,
    INVOICE,
    LEAD,
    MAIL_EMAIL,
    ORDER,
    PARTNER,
    REFERENCE,
    TELEPHONY_CALL,
    Topic,
)
from tests.support.builders import (
    call_received,
    call_registered,
    email_received,
    email_registered,
    lead_created,
    order_created,
    partner_changed,
    product_changed,
)

Headers = list[tuple[str, bytes]]


def _invoice_created() -> InvoiceCreatedV1:
    order = order_created(uuid.uuid4())
    return InvoiceCreatedV1(invoice_id=uuid.uuid4(), **order.model_dump(exclude={"order_id"}), order_id=None)


# Per consumed topic, a valid event of a type every consumer of the topic handles: the broken records are of that
# type too (a consumer skips, without reading further, a known type it has no use for).
VALID: tuple[tuple[Topic, Callable[[], Event]], ...] = (
    (TELEPHONY_CALL, call_received),
    (MAIL_EMAIL, email_received),
    (LEAD, lead_created),
    (CALL, lambda: call_registered(None)),
    (EMAIL, lambda: email_registered(None)),
    (ORDER, lambda: order_created(uuid.uuid4())),
    (INVOICE, _invoice_created),
    (REFERENCE, lambda: product_changed("desks", "Desks")),  # documents keep products, reporting stages
    (PARTNER, lambda: partner_changed(uuid.uuid4(), "Kowalski Meble")),
    (
        EMPLOYEE,
        lambda: EmployeeChangedV1(
            employee_id="ewa",
            name="Ewa",
            role="salesperson",
            extension="104",
            archived=False,
            changed_by="marta",
            changed_at=datetime.now(UTC),
        ),
    ),
)


@dataclass(frozen=True)
class Case:
    """A way a record goes wrong, and the reason the dead letter must give for it."""

    name: str
    error_class: str
    error_says: str
    record: Callable[[Event], tuple[bytes, Headers]]


def _headers(event: Event, **replaced: str | None) -> Headers:
    """The event's CloudEvents headers; ``None`` removes one."""
    headers = dict(Envelope.wrap(event, source="corpus").kafka_headers())
    for name, value in replaced.items():
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value.encode()
    return list(headers.items())


def _fields(event: Event) -> dict[str, object]:
    fields: dict[str, object] = json.loads(event.model_dump_json())
    return fields


def _wrong_types(event: Event) -> bytes:
    """Every field of the event holds an object: no field of any event takes one."""
    return json.dumps({field: {"not": "this"} for field in _fields(event)}).encode()


def _oversized(event: Event) -> bytes:
    """The event itself, padded with a field no event has: valid but for its size, above what any event may be
    and below what the broker takes."""
    padding = "x" * (MAX_EVENT_BYTES + 40_000)
    return json.dumps({**_fields(event), "padding": padding}).encode()


CASES = (
    Case("not JSON", "ValidationError", "Invalid JSON", lambda e: (b"{not json", _headers(e))),
    Case("wrong types", "ValidationError", "validation error", lambda e: (_wrong_types(e), _headers(e))),
    Case("missing fields", "ValidationError", "Field required", lambda e: (b"{}", _headers(e))),
    Case(
        "unknown ce_type",
        "InvalidEnvelope",
        "unknown event type 'leadline.corpus.thing.happened.v1'",
        lambda e: (e.model_dump_json().encode(), _headers(e, ce_type="leadline.corpus.thing.happened.v1")),
    ),
    Case(
        "missing headers",
        "InvalidEnvelope",
        "header ce_specversion is missing",
        lambda e: (e.model_dump_json().encode(), []),
    ),
    Case(
        "missing ce_id",
        "InvalidEnvelope",
        "header ce_id is missing",
        lambda e: (e.model_dump_json().encode(), _headers(e, ce_id=None)),
    ),
    Case(
        "oversized",
        "InvalidEnvelope",
        f"no event is larger than {MAX_EVENT_BYTES}",
        lambda e: (_oversized(e), _headers(e)),
    ),
)
