"""The malformed-event corpus: for every topic a Leadline service consumes, a valid event, and the ways a record of it
can be broken. Each broken record must land in ``<topic>.dlq`` with its reason, and the valid event after it be
processed: the consumer goes on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from leadline.contracts.envelope import MAX_EVENT_BYTES, Envelope
from leadline.contracts.events import (
    CallReceivedV1,
    CallRegisteredV1,
    EmailReceivedV1,
    EmailRegisteredV1,
    Event,
    InvoiceCreatedV1,
    LeadCreatedV1,
    Mailbox,
    OrderCreatedV1,
    PartnerChangedV1,
    SettingChangedV1,
)
from leadline.contracts.topics import (
    CALL,
    EMAIL,
    INVOICE,
    LEAD,
    MAIL_EMAIL,
    ORDER,
    PARTNER,
    REFERENCE,
    TELEPHONY_CALL,
    Topic,
)

Headers = list[tuple[str, bytes]]


def _now() -> datetime:
    return datetime.now(UTC)


def _lead() -> LeadCreatedV1:
    return LeadCreatedV1(
        lead_id=uuid.uuid4(),
        name="Corpus lead",
        type_code="sale",
        status_code="new",
        closed=False,
        salesperson_id="anna",
        phone=None,
        email=None,
        created_by="anna",
        created_at=_now(),
    )


def _document_summary() -> dict[str, object]:
    return {
        "lead_id": uuid.uuid4(),
        "number": "ZS/2026/000001",
        "type_code": "ZS",
        "document_date": _now().date(),
        "status": "draft",
        "amount": Decimal("10.00"),
        "currency": "PLN",
        "created_at": _now(),
        "partner_id": None,
        "created_by": "anna",
    }


def _call_received() -> CallReceivedV1:
    return CallReceivedV1(
        pbx_call_id=f"pbx-{uuid.uuid4().hex}",
        caller_number="+48601234567",
        called_number="+48221234567",
        received_at=_now(),
    )


def _email_received() -> EmailReceivedV1:
    return EmailReceivedV1(
        message_id=f"{uuid.uuid4().hex}@corpus.example", sender=Mailbox(address="jan@example.com"), sent_at=_now()
    )


def _call_registered() -> CallRegisteredV1:
    return CallRegisteredV1(
        call_id=uuid.uuid4(),
        pbx_call_id=f"pbx-{uuid.uuid4().hex}",
        caller_number="+48601234567",
        extension=None,
        received_at=_now(),
        state="triage",
        lead_id=None,
    )


def _email_registered() -> EmailRegisteredV1:
    return EmailRegisteredV1(
        email_id=uuid.uuid4(),
        message_id=f"{uuid.uuid4().hex}@corpus.example",
        sender="jan@example.com",
        subject_line="Corpus",
        sent_at=_now(),
        state="triage",
        lead_id=None,
        matched_by=None,
    )


def _order_created() -> OrderCreatedV1:
    return OrderCreatedV1(order_id=uuid.uuid4(), **_document_summary())


def _invoice_created() -> InvoiceCreatedV1:
    return InvoiceCreatedV1(invoice_id=uuid.uuid4(), order_id=None, **_document_summary())


def _setting_changed() -> SettingChangedV1:
    return SettingChangedV1(key="order_type", value="ZS", changed_by="marta", changed_at=_now())


def _partner_changed() -> PartnerChangedV1:
    return PartnerChangedV1(
        partner_id=uuid.uuid4(),
        name="Kowalski Meble",
        tax_id=None,
        contact_person=None,
        phone=None,
        email=None,
        street=None,
        city=None,
        postal_code=None,
        country=None,
        archived=False,
        version=1,
        changed_by="marta",
        changed_at=_now(),
    )


# Per consumed topic, a valid event of a type every consumer of the topic handles: the broken records are of that
# type too (a consumer skips, without reading further, a known type it has no use for).
VALID: tuple[tuple[Topic, Callable[[], Event]], ...] = (
    (TELEPHONY_CALL, _call_received),
    (MAIL_EMAIL, _email_received),
    (LEAD, _lead),
    (CALL, _call_registered),
    (EMAIL, _email_registered),
    (ORDER, _order_created),
    (INVOICE, _invoice_created),
    (REFERENCE, _setting_changed),
    (PARTNER, _partner_changed),
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
