"""CloudEvents in Kafka binary mode: what a valid record is, and how each kind of malformed one is refused."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from leadline.contracts.wire.envelope import CONTENT_TYPE, SPEC_VERSION, Envelope, InvalidEnvelope
from leadline.contracts.wire.events import LeadCreatedV1, LeadOrigin, LeadStatusChangedV1

LEAD_ID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
CALL_ID = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")

REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")


def lead_created(**changes: Any) -> LeadCreatedV1:
    fields: dict[str, Any] = {
        "lead_id": LEAD_ID,
        "name": "Office fit-out",
        "type_code": "sale",
        "status_code": "new",
        "closed": False,
        "salesperson_id": "anna",
        "phone": "+48601234567",
        "email": "jan@example.com",
        "created_by": "anna",
        "created_at": datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "origin": LeadOrigin(kind="call", id=CALL_ID),
    }
    return LeadCreatedV1(**{**fields, **changes})


def headers_without(envelope: Envelope, *names: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in envelope.kafka_headers() if k not in names]


def headers_with(envelope: Envelope, name: str, value: str) -> list[tuple[str, bytes]]:
    return [*headers_without(envelope, name), (name, value.encode())]


# --- the round trip -----------------------------------------------------------------------------


def test_an_envelope_survives_kafka_and_opens_to_an_equal_event() -> None:
    event = lead_created()
    envelope = Envelope.wrap(event, source="leadline/leads", correlation_id="corr-1", causation_id="cause-1")

    received = Envelope.from_kafka(envelope.kafka_headers(), envelope.data)

    assert received == envelope
    opened = received.open()
    assert type(opened) is LeadCreatedV1
    assert opened == event


def test_wrapping_names_the_type_source_subject_and_a_fresh_id() -> None:
    event = lead_created()
    before = datetime.now(UTC)

    first = Envelope.wrap(event, source="leadline/leads")
    second = Envelope.wrap(event, source="leadline/leads")

    assert (first.type, first.source, first.subject) == (
        "leadline.leads.lead.created.v1",
        "leadline/leads",
        str(LEAD_ID),
    )
    assert uuid.UUID(first.id).version == 4
    assert first.id != second.id
    assert first.time.tzinfo is not None
    assert first.time >= before
    assert json.loads(first.data)["lead_id"] == str(LEAD_ID)


def test_an_explicit_event_id_is_kept() -> None:
    assert Envelope.wrap(lead_created(), source="test", event_id="given-id").id == "given-id"


def test_the_headers_are_the_cloudevents_attributes_and_leave_out_what_is_not_set() -> None:
    envelope = Envelope.wrap(lead_created(), source="leadline/leads", event_id="e-1")

    headers = dict(envelope.kafka_headers())

    assert headers == {
        "ce_specversion": SPEC_VERSION.encode(),
        "ce_id": b"e-1",
        "ce_source": b"leadline/leads",
        "ce_type": b"leadline.leads.lead.created.v1",
        "ce_time": envelope.time.isoformat().encode(),
        "ce_subject": str(LEAD_ID).encode(),
        "content-type": CONTENT_TYPE.encode(),
    }


def test_correlation_causation_and_trace_travel_as_headers() -> None:
    envelope = Envelope.wrap(lead_created(), source="test", correlation_id="corr-1", causation_id="cause-1")
    traced = Envelope(**{**vars(envelope), "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})

    received = Envelope.from_kafka(traced.kafka_headers(), traced.data)

    assert (received.correlation_id, received.causation_id, received.traceparent) == (
        "corr-1",
        "cause-1",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )


def test_a_content_type_with_parameters_and_a_missing_content_type_are_json() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with_charset = Envelope.from_kafka(headers_with(envelope, "content-type", "application/json; charset=utf-8"), b"{}")
    without = Envelope.from_kafka(headers_without(envelope, "content-type"), b"{}")

    assert with_charset.id == without.id == envelope.id


def test_fields_a_consumer_does_not_know_yet_are_ignored() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")
    newer = json.dumps({**json.loads(envelope.data), "priority": "high"}).encode()

    assert Envelope.from_kafka(envelope.kafka_headers(), newer).open() == lead_created()


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_each_missing_required_header_is_refused_by_name(header: str) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match=header):
        Envelope.from_kafka(headers_without(envelope, header), envelope.data)


@pytest.mark.parametrize("value", [b"", None], ids=["empty", "null"])
@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_an_empty_or_null_required_header_counts_as_missing(header: str, value: bytes | None) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match=header):
        Envelope.from_kafka([*headers_without(envelope, header), (header, value)], envelope.data)


def test_a_record_without_any_header_is_refused() -> None:
    with pytest.raises(InvalidEnvelope, match="ce_specversion"):
        Envelope.from_kafka([], b"{}")


def test_another_cloudevents_version_is_refused() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match="ce_specversion"):
        Envelope.from_kafka(headers_with(envelope, "ce_specversion", "0.3"), envelope.data)


@pytest.mark.parametrize("content_type", ["text/plain", "application/avro", "application/cloudevents+json"])
def test_a_content_type_other_than_json_is_refused(content_type: str) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match="content-type") as refused:
        Envelope.from_kafka(headers_with(envelope, "content-type", content_type), envelope.data)

    assert content_type in str(refused.value)


@pytest.mark.parametrize("time", ["yesterday", "2026-13-01T00:00:00+00:00", "1700000000"])
def test_a_time_that_is_not_a_timestamp_is_refused(time: str) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match="ce_time"):
        Envelope.from_kafka(headers_with(envelope, "ce_time", time), envelope.data)


@pytest.mark.parametrize("time", ["2026-03-02T09:30:00", "2026-03-02", "2026-W10-1"])
def test_a_time_without_a_utc_offset_is_not_rfc_3339_and_is_refused(time: str) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match="ce_time"):
        Envelope.from_kafka(headers_with(envelope, "ce_time", time), envelope.data)


def test_a_record_without_a_value_is_refused() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(InvalidEnvelope, match="no value"):
        Envelope.from_kafka(envelope.kafka_headers(), None)


def test_another_header_with_a_null_value_is_ignored() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")
    headers: list[tuple[str, bytes | None]] = [*envelope.kafka_headers(), ("x-gateway-hint", None)]

    assert Envelope.from_kafka(headers, envelope.data) == envelope


def test_an_unknown_type_reads_but_does_not_open() -> None:
    envelope = Envelope.wrap(lead_created(), source="test")
    headers = headers_with(envelope, "ce_type", "leadline.leads.lead.archived.v1")

    received = Envelope.from_kafka(headers, envelope.data)

    with pytest.raises(InvalidEnvelope, match=r"unknown event type 'leadline\.leads\.lead\.archived\.v1'"):
        received.open()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(b"not json at all", None, id="not JSON"),
        pytest.param(b'{"lead_id": "0f8fad5b-d9cb-469f-a165-70867728950e"', None, id="truncated JSON"),
        pytest.param(json.dumps({"lead_id": str(LEAD_ID), "name": "x"}).encode(), "type_code", id="missing field"),
        pytest.param(
            json.dumps({**json.loads(lead_created().model_dump_json()), "lead_id": "not-a-uuid"}).encode(),
            "lead_id",
            id="wrong type",
        ),
    ],
)
def test_invalid_data_is_a_validation_error(data: bytes, field: str | None) -> None:
    envelope = Envelope.wrap(lead_created(), source="test")

    with pytest.raises(ValidationError) as refused:
        Envelope.from_kafka(envelope.kafka_headers(), data).open()

    if field is not None:
        assert field in {str(error["loc"][0]) for error in refused.value.errors()}


def test_data_of_another_type_than_the_header_says_is_a_validation_error() -> None:
    created = Envelope.wrap(lead_created(), source="test")
    headers = headers_with(created, "ce_type", LeadStatusChangedV1.type)

    with pytest.raises(ValidationError):
        Envelope.from_kafka(headers, created.data).open()
