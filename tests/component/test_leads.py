"""The leads service's Kafka intake: leads requested for calls, created once, published through the outbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallLeadRequestedV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadOrigin,
    LeadRequestRefusedV1,
)
from leadline.contracts.wire.topics import CALL, LEAD
from leadline.leads.service.commands import DeleteLead
from leadline.leads.service.lifecycle import delete_lead
from tests.support.builders import CALLER, lead_requested
from tests.support.component.leads import Leads, lead_of, number_of_leads
from tests.support.component.service_under_test import headers_of, service_named

MANAGER = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER}))


async def test_a_lead_requested_for_a_call_is_created_with_the_call_as_its_origin(leads: Leads) -> None:
    request = lead_requested(phone="601 234 567")

    envelope = await leads.deliver(request)

    lead = await lead_of(leads, request.lead_id)
    assert lead is not None
    assert (lead.origin_kind, lead.origin_id) == ("call", request.call_id)
    assert (lead.name, lead.type_code, lead.status_code, lead.closed) == (request.name, "sale", "new", False)
    assert (lead.salesperson_id, lead.created_by, lead.phone, lead.version) == ("piotr", "piotr", CALLER, 1)

    [row] = await leads.outbox()
    assert (row.topic, row.key) == (LEAD.name, str(request.lead_id))
    assert (row.envelope.source, row.envelope.causation_id, row.envelope.correlation_id) == (
        "leadline/leads",
        envelope.id,
        envelope.id,
    )
    assert isinstance(row.event, LeadCreatedV1)
    assert row.event.origin == LeadOrigin(kind="call", id=request.call_id)
    assert (row.event.lead_id, row.event.phone, row.event.status_code) == (request.lead_id, CALLER, "new")
    assert leads.dead_letters(CALL) == []


async def test_the_created_lead_carries_on_the_correlation_of_the_request(leads: Leads) -> None:
    request = lead_requested()
    envelope = Envelope.wrap(request, source="leadline/communications", correlation_id="conversation-7")

    await leads.redeliver(envelope, CALL)

    [row] = await leads.outbox()
    assert (row.envelope.correlation_id, row.envelope.causation_id) == ("conversation-7", envelope.id)


async def test_the_same_record_delivered_again_has_no_effect(leads: Leads) -> None:
    request = lead_requested()
    envelope = await leads.deliver(request)

    await leads.redeliver(envelope, CALL)

    assert await number_of_leads(leads) == 1
    assert len(await leads.outbox()) == 1
    assert await leads.inbox() == [envelope.id]


async def test_a_second_request_for_the_same_lead_creates_nothing_new(leads: Leads) -> None:
    request = lead_requested()
    first = await leads.deliver(request)
    lead = await lead_of(leads, request.lead_id)

    second = await leads.deliver(request.model_copy(update={"name": "Renamed in a retry"}))

    assert await lead_of(leads, request.lead_id) == lead
    assert await number_of_leads(leads) == 1
    assert len(await leads.outbox()) == 1
    assert sorted(await leads.inbox()) == sorted([first.id, second.id])


def _without_field(request: CallLeadRequestedV1, field: str) -> bytes:
    data = json.loads(request.model_dump_json())
    del data[field]
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("malformed", "error_class", "error_text"),
    [
        pytest.param("no headers", "InvalidEnvelope", "ce_specversion", id="no headers"),
        pytest.param("invalid JSON", "ValidationError", "Invalid JSON", id="invalid JSON"),
        pytest.param("missing field", "ValidationError", "phone", id="missing field"),
    ],
)
async def test_a_malformed_record_is_dead_lettered_once_and_the_next_is_processed(
    leads: Leads, malformed: str, error_class: str, error_text: str
) -> None:
    request = lead_requested()
    headers = headers_of(Envelope.wrap(request, source="leadline/communications"))
    value, record_headers = {
        "no headers": (request.model_dump_json().encode(), None),
        "invalid JSON": (b"{not json", headers),
        "missing field": (_without_field(request, "phone"), headers),
    }[malformed]

    await leads.deliver_raw(CALL, value, record_headers, key=b"the-key")

    [dead] = leads.dead_letters(CALL)
    assert dead.headers["dlq_error_class"] == error_class
    assert error_text in dead.headers["dlq_error_message"]
    assert dead.headers["dlq_original_topic"] == CALL.name
    assert dead.headers["dlq_consumer"] == "leadline.leads"
    assert (dead.key, dead.value) == (b"the-key", value), "the original record, as it was"
    if record_headers:
        assert dead.headers["ce_id"] == record_headers["ce_id"], "the original headers travel along"
    assert await number_of_leads(leads) == 0
    assert await leads.inbox() == []

    following = lead_requested()
    await leads.deliver(following)

    assert await lead_of(leads, following.lead_id) is not None
    assert len(leads.dead_letters(CALL)) == 1


async def test_a_newer_producers_event_type_on_a_leadline_topic_is_skipped_not_dead_lettered(leads: Leads) -> None:
    request = lead_requested()
    headers = headers_of(Envelope.wrap(request, source="leadline/communications"))
    newer = {**headers, "ce_type": "leadline.communications.call.lead_requested.v2"}

    await leads.deliver_raw(CALL, request.model_dump_json().encode(), newer)

    assert leads.dead_letters(CALL) == []
    assert await number_of_leads(leads) == 0


async def test_a_request_the_leads_service_refuses_is_announced_not_dead_lettered(leads: Leads) -> None:
    refused = lead_requested(phone="not a phone")

    envelope = await leads.deliver(refused)

    assert leads.dead_letters(CALL) == []
    assert await lead_of(leads, refused.lead_id) is None
    [row] = await leads.outbox()
    assert (row.topic, row.key) == (LEAD.name, str(refused.lead_id))
    refusal = row.event
    assert isinstance(refusal, LeadRequestRefusedV1)
    assert (refusal.lead_id, refusal.item_kind, refusal.item_id) == (refused.lead_id, "call", refused.call_id)
    assert refusal.rule == "invalid_phone"
    assert "not a phone" in refusal.reason
    assert row.envelope.causation_id == envelope.id
    assert await leads.inbox() == [envelope.id]

    retried = lead_requested(refused.lead_id, call_id=refused.call_id)  # the same request, its cause mended
    await leads.deliver(retried)
    assert await lead_of(leads, refused.lead_id) is not None


async def test_a_lead_asked_for_again_after_it_was_deleted_is_not_made_again(leads: Leads) -> None:
    request = lead_requested()
    await leads.deliver(request)
    async with leads.runtime.unit_of_work() as uow:
        await delete_lead(uow, DeleteLead(request.lead_id, None), MANAGER)
        await uow.commit()

    await leads.deliver(lead_requested(request.lead_id, call_id=request.call_id))  # a retry that came too late

    assert await lead_of(leads, request.lead_id) is None
    assert [type(row.event) for row in await leads.outbox()] == [LeadCreatedV1, LeadDeletedV1]


async def test_the_relay_publishes_the_created_lead_as_a_cloudevent_and_empties_the_outbox(leads: Leads) -> None:
    request = lead_requested()
    await leads.deliver(request)
    [row] = await leads.outbox()

    assert await leads.runtime.relay.publish_pending() == 1

    [published] = leads.published(LEAD)
    assert published.key == str(request.lead_id).encode()
    assert published.headers["ce_type"] == LeadCreatedV1.type
    assert published.envelope() == row.envelope
    assert published.envelope().open() == row.event
    assert await leads.outbox() == []
    assert await leads.runtime.relay.publish_pending() == 0
    assert len(leads.published(LEAD)) == 1


async def test_with_a_topic_prefix_the_service_reads_writes_and_dead_letters_prefixed_topics(tmp_path: Path) -> None:
    async with service_named("leads", tmp_path, kafka_topic_prefix="run-7.") as leads:
        request = lead_requested()
        await leads.deliver(request)  # to run-7.leadline.communications.call
        await leads.deliver_raw(CALL, b"garbage")
        await leads.runtime.relay.publish_pending()

        assert await lead_of(leads, request.lead_id) is not None
        assert [c.topic for c in leads.captured] == [
            "run-7.leadline.communications.call.dlq",
            "run-7.leadline.leads.lead",
        ]
