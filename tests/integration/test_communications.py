"""The communications service against the real broker and a real database (SQLite, and PostgreSQL when
configured): gateway calls in, triage over HTTP, and with the leads service beside it, leads made from calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import ConsumerRecord

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallIgnoredV1,
    CallReceivedV1,
    CallRegisteredV1,
    CallUnignoredV1,
    LeadCreatedV1,
)
from leadline.contracts.wire.topics import CALL, LEAD, TELEPHONY_CALL
from tests.support.integration.calls import (
    ANNA_EXTENSION,
    PIOTR_EXTENSION,
    calls_of,
    lead_events_consumed,
    offsets,
    received,
    registered,
)
from tests.support.kafka import GatewayProducer, LocalKafka, headers_of, payload_of, read_until
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka


async def test_a_call_from_an_unknown_number_waits_in_triage_of_its_extension(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        envelope = await gateway.publish(received("+48 601 234 567", extension=ANNA_EXTENSION))

    async def in_annas_triage() -> list[dict[str, Any]]:
        return await calls_of(communications, "anna", ready="true")

    [call] = await eventually(in_annas_triage, what="the call reached anna's Ready list")
    assert call["caller_number"] == "+48601234567"
    assert (call["state"], call["lead_id"], call["candidate_lead_ids"]) == ("triage", None, [])
    assert call["extension"] == ANNA_EXTENSION
    assert call["decided_by"] is None

    records = await read_until(
        kafka.bootstrap, CALL, namespace, lambda rs: any(headers_of(r).get("ce_subject") == call["id"] for r in rs)
    )
    record = next(r for r in records if headers_of(r).get("ce_subject") == call["id"])
    headers = headers_of(record)
    assert record.key == call["id"].encode()
    assert headers["ce_type"] == CallRegisteredV1.type
    assert headers["ce_source"] == "leadline/communications"
    assert headers["ce_causationid"] == envelope.id
    assert headers["ce_correlationid"] == envelope.id
    event = CallRegisteredV1.model_validate_json(record.value or b"")
    assert (event.pbx_call_id, event.caller_number, event.state, event.lead_id) == (
        call["pbx_call_id"],
        "+48601234567",
        "triage",
        None,
    )


async def test_a_salesperson_of_another_extension_neither_sees_nor_handles_the_call(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("601 234 567", extension=ANNA_EXTENSION, pbx_call_id="pbx-annas"))
    call = await registered(communications, "pbx-annas")

    assert await calls_of(communications, "piotr", ready="true") == []
    assert await calls_of(communications, "piotr") == []
    for method, path, body in (
        ("GET", f"/calls/{call['id']}", None),
        ("POST", f"/calls/{call['id']}/create-lead", {}),
        ("POST", f"/calls/{call['id']}/attach", {"lead_id": str(uuid.uuid4())}),
    ):
        refused = await communications.http.request(method, path, json=body, headers=auth("piotr"))
        assert refused.status_code == 403, f"{method} {path}: {refused.text}"
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "urn:leadline:problem:not_your_extension"

    [still] = await calls_of(communications, "anna", ready="true")
    assert (still["id"], still["state"], still["decided_by"]) == (call["id"], "triage", None)


async def test_a_retried_and_a_resent_gateway_event_give_one_call(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    call = received("601-234-567", pbx_call_id="pbx-retried")
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        first = await gateway.publish(call)
        await gateway.publish(call, event_id=first.id)  # a retry: the same CloudEvent again
        await gateway.publish(call)  # re-sent as a new CloudEvent about the same PBX call
        await gateway.publish(received("601 234 568", pbx_call_id="pbx-marker"))

    marker = await registered(communications, "pbx-marker")
    stored = [c for c in await calls_of(communications, "marta") if c["pbx_call_id"] == "pbx-retried"]
    assert len(stored) == 1, stored

    async def all_consumed() -> bool:
        return await offsets(kafka.bootstrap, namespace, TELEPHONY_CALL) == (4, 4)

    await eventually(all_consumed, what="communications consumed the four gateway records")
    # A retry is no fault of the gateway's: it is absorbed, not dead-lettered.
    assert (await offsets(kafka.bootstrap, namespace, TELEPHONY_CALL.dead_letter))[0] == 0

    def both_registered(records: list[Any]) -> bool:
        subjects = {headers_of(r).get("ce_subject") for r in records}
        return {marker["id"], stored[0]["id"]} <= subjects

    records = await read_until(kafka.bootstrap, CALL, namespace, both_registered)
    pbx_ids = [payload_of(r)["pbx_call_id"] for r in records if headers_of(r)["ce_type"] == CallRegisteredV1.type]
    assert pbx_ids.count("pbx-retried") == 1, pbx_ids


async def test_a_lead_created_from_a_call_takes_the_call_and_the_callers_next_call(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("601-234-567", extension=PIOTR_EXTENSION, pbx_call_id="pbx-first"))
        call = await registered(communications, "pbx-first")
        assert call["state"] == "triage"

        response = await communications.http.post(
            f"/calls/{call['id']}/create-lead", json={"name": "Biuro w Gdańsku"}, headers=auth("piotr")
        )
        assert response.status_code == 202, response.text
        assert response.headers["Location"] == f"/calls/{call['id']}"
        requested = response.json()
        assert (requested["state"], requested["decided_by"]) == ("lead_requested", "piotr")
        lead_id = requested["lead_id"]
        assert lead_id is not None

        async def lead() -> dict[str, Any] | None:
            found = await leads.http.get(f"/leads/{lead_id}", headers=auth("piotr"))
            return dict(found.json()) if found.status_code == 200 else None

        created = await eventually(lead, what="the leads service created the lead the call asked for")
        assert (created["name"], created["phone"]) == ("Biuro w Gdańsku", "+48601234567")
        assert (created["salesperson_id"], created["created_by"]) == ("piotr", "piotr")

        async def attached() -> dict[str, Any] | None:
            found = (await communications.http.get(f"/calls/{call['id']}", headers=auth("piotr"))).json()
            return dict(found) if found["state"] == "attached" else None

        taken = await eventually(attached, what="the call became attached to the lead made from it")
        assert (taken["lead_id"], taken["decided_by"]) == (lead_id, "piotr")
        assert await calls_of(communications, "piotr", ready="true") == []

        # The caller rings again, the number written another way: the lead is known now.
        await gateway.publish(received("0048 601 234 567", extension=ANNA_EXTENSION, pbx_call_id="pbx-again"))
        again = await registered(communications, "pbx-again")
        assert (again["state"], again["lead_id"], again["decided_by"]) == ("attached", lead_id, None)
        assert await calls_of(communications, "anna", ready="true") == []

    def attachment_published(records: list[Any]) -> bool:
        return any(headers_of(r)["ce_type"] == CallAttachedV1.type for r in records)

    records = await read_until(kafka.bootstrap, CALL, namespace, attachment_published)
    attachment = next(
        CallAttachedV1.model_validate_json(r.value or b"")
        for r in records
        if headers_of(r)["ce_type"] == CallAttachedV1.type
    )
    assert (str(attachment.call_id), str(attachment.lead_id), attachment.how, attachment.attached_by) == (
        call["id"],
        lead_id,
        "lead_created",
        "piotr",
    )


async def test_a_call_attaches_to_the_open_lead_with_the_callers_number(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    response = await leads.http.post(
        "/leads", json={"name": "Klimatyzacja hali", "phone": "+48 602 345 678"}, headers=auth("anna")
    )
    assert response.status_code == 201, response.text
    lead_id = response.json()["id"]

    # Matching reads communications' copy of the leads, filled from the lead topic; a call that
    # overtook the lead event would wait in triage, so the call goes out once the copy has it.
    async def lead_event_consumed() -> bool:
        return await lead_events_consumed(kafka.bootstrap, namespace, at_least=1)

    await eventually(lead_event_consumed, what="communications consumed the LeadCreatedV1")
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("602 345 678", extension=PIOTR_EXTENSION, pbx_call_id="pbx-known"))

    call = await registered(communications, "pbx-known")
    assert (call["state"], call["lead_id"], call["candidate_lead_ids"]) == ("attached", lead_id, [])


async def test_one_trace_follows_a_lead_created_over_http_into_the_waiting_call_it_takes(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    """The sales app's trace context goes with the lead's event through the outbox, and on with the event
    communications writes in handling it: a tracing backend sees one trace across both services."""
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("+48 603 456 789", pbx_call_id="pbx-traced"))
    call = await registered(communications, "pbx-traced")
    trace_id = uuid.uuid4().hex
    trace = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"

    response = await leads.http.post(
        "/leads", json={"name": "Hala", "phone": "+48 603 456 789"}, headers={**auth("anna"), "traceparent": trace}
    )
    assert response.status_code == 201, response.text
    lead_id = response.json()["id"]

    def about(subject: str, event_type: str) -> Callable[[list[ConsumerRecord[bytes, bytes]]], bool]:
        return lambda records: any(_is(r, subject, event_type) for r in records)

    lead_records = await read_until(kafka.bootstrap, LEAD, namespace, about(lead_id, LeadCreatedV1.type))
    [created] = [headers_of(r) for r in lead_records if _is(r, lead_id, LeadCreatedV1.type)]
    call_records = await read_until(kafka.bootstrap, CALL, namespace, about(call["id"], CallAttachedV1.type))
    [attached] = [headers_of(r) for r in call_records if _is(r, call["id"], CallAttachedV1.type)]

    assert (created["traceparent"], created["ce_correlationid"]) == (trace, trace_id)
    assert (attached["traceparent"], attached["ce_correlationid"]) == (trace, trace_id)
    assert attached["ce_causationid"] == created["ce_id"]


def _is(record: ConsumerRecord[bytes, bytes], subject: str, event_type: str) -> bool:
    headers = headers_of(record)
    return headers.get("ce_subject") == subject and headers.get("ce_type") == event_type


async def test_a_malformed_gateway_record_is_dead_lettered_and_intake_goes_on(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    valid = received("601 234 567", pbx_call_id="pbx-valid")
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        template = Envelope.wrap(valid, source="test-gateway")
        ce_headers = [(k, v) for k, v in template.kafka_headers() if k != "ce_id"]
        await gateway.publish_raw(TELEPHONY_CALL.name, b"{not json", headers=[*ce_headers, ("ce_id", b"bad-json")])
        no_caller = valid.model_dump(mode="json") | {"pbx_call_id": "pbx-bad", "caller_number": None}
        await gateway.publish_raw(
            TELEPHONY_CALL.name,
            json.dumps(no_caller).encode(),
            headers=[*ce_headers, ("ce_id", b"bad-caller")],
        )
        # publish_raw keys every record alike: the valid call follows the bad ones in the same partition.
        await gateway.publish_raw(TELEPHONY_CALL.name, template.data, headers=template.kafka_headers())

    call = await registered(communications, "pbx-valid")
    assert call["state"] == "triage"
    assert [c["pbx_call_id"] for c in await calls_of(communications, "marta")] == ["pbx-valid"]

    dead = await read_until(kafka.bootstrap, TELEPHONY_CALL.dead_letter, namespace, lambda rs: len(rs) >= 2)
    by_id = {headers_of(r)["ce_id"]: headers_of(r) for r in dead}
    assert set(by_id) == {"bad-json", "bad-caller"}
    for headers in by_id.values():
        assert headers["dlq_original_topic"] == namespace + TELEPHONY_CALL.name
        assert headers["dlq_consumer"] == namespace + "leadline.communications"
        assert headers["ce_type"] == CallReceivedV1.type
    assert by_id["bad-json"]["dlq_error_class"] == "ValidationError"
    assert by_id["bad-caller"]["dlq_error_class"] == "ValidationError"
    assert "caller_number" in by_id["bad-caller"]["dlq_error_message"]
    assert next(r for r in dead if headers_of(r)["ce_id"] == "bad-json").value == b"{not json"


async def test_a_call_ignored_leaves_the_ready_list_and_undoing_it_brings_it_back(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async with GatewayProducer(kafka.bootstrap, namespace) as gateway:
        await gateway.publish(received("601 234 567", pbx_call_id="pbx-spam"))
    call = await registered(communications, "pbx-spam")

    ignored = await communications.http.post(f"/calls/{call['id']}/ignore", headers=auth("anna"))
    assert (ignored.status_code, ignored.json()["state"], ignored.json()["decided_by"]) == (200, "ignored", "anna")
    assert await calls_of(communications, "anna", ready="true") == []
    assert [c["id"] for c in await calls_of(communications, "anna", state="ignored")] == [call["id"]]
    not_ignored = await communications.http.post(f"/calls/{call['id']}/unignore", headers=auth("anna"))
    assert not_ignored.status_code == 200, not_ignored.text
    again = await communications.http.post(f"/calls/{call['id']}/unignore", headers=auth("anna"))
    assert (again.status_code, again.json()["type"]) == (409, "urn:leadline:problem:call_not_ignored")
    assert [c["id"] for c in await calls_of(communications, "anna", ready="true")] == [call["id"]]

    def both_published(records: list[Any]) -> bool:
        types = [headers_of(r)["ce_type"] for r in records if headers_of(r)["ce_subject"] == call["id"]]
        return CallIgnoredV1.type in types and CallUnignoredV1.type in types

    await read_until(kafka.bootstrap, CALL, namespace, both_published)
