"""Calls and e-mails back in triage: from a lead that was deleted (nothing stays attached to a lead that does not
exist, whatever order the events come in), or from a lead request the leads service refused or a person cancelled,
which can then be retried."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from leadline.communications.domain.model import Returned
from leadline.communications.service import triage
from leadline.communications.service.commands import Attach, RequestLead
from leadline.contracts.platform.errors import Conflict, NotFound
from leadline.contracts.wire.events import CallLeadRequestedV1, CallReturnedToTriageV1, EmailReturnedToTriageV1, Event
from tests.support.builders import (
    AT,
    SENDER,
    call_received,
    email_received,
    lead_created,
    lead_created_from_call,
    lead_deleted,
    lead_request_refused,
    leads_merged,
)
from tests.support.component.calls import ANNA, Communications, call_by_pbx_id
from tests.support.component.emails import ANNA as ANNA_BY_EMAIL
from tests.support.component.emails import email_of


async def events(service: Communications, kind: type[Event]) -> list[Any]:
    return [row.event for row in await service.outbox() if isinstance(row.event, kind)]


async def test_what_was_attached_to_a_deleted_lead_comes_back_to_triage_announced(
    communications: Communications,
) -> None:
    lead = lead_created(email=SENDER)
    await communications.deliver(lead)
    call = call_received()
    await communications.deliver(call)
    await communications.deliver(email_received(message_id="m-1"))
    await communications.deliver(email_received(message_id="m-2", in_reply_to="m-1", sender={"address": "eva@x.pl"}))
    assert (await call_by_pbx_id(communications, call.pbx_call_id)).lead_id == lead.lead_id

    deletion = await communications.deliver(lead_deleted(lead.lead_id))

    returned = Returned("lead_deleted", lead.lead_id, f"lead {lead.lead_id} was deleted", AT)
    items = [await call_by_pbx_id(communications, call.pbx_call_id)] + [
        await email_of(communications, message_id) for message_id in ("m-1", "m-2")
    ]
    assert [(item.state, item.lead_id, item.decided_by, item.returned) for item in items] == [
        ("triage", None, None, returned)
    ] * 3
    [call_event] = await events(communications, CallReturnedToTriageV1)
    assert (call_event.call_id, call_event.lead_id, call_event.reason) == (items[0].id, lead.lead_id, "lead_deleted")
    assert call_event.returned_by == "leadline/communications"
    assert {e.email_id for e in await events(communications, EmailReturnedToTriageV1)} == {items[1].id, items[2].id}
    rows = [row for row in await communications.outbox() if isinstance(row.event, CallReturnedToTriageV1)]
    assert rows[0].envelope.causation_id == deletion.id

    # Nothing is attached to the deleted lead any more: neither by a person nor by its number.
    async with communications.runtime.unit_of_work() as uow:
        with pytest.raises(NotFound):
            await triage.attach(uow, uow.calls, Attach(items[0].id, lead.lead_id), ANNA)
    later = call_received()
    await communications.deliver(later)
    assert (await call_by_pbx_id(communications, later.pbx_call_id)).state == "triage"


async def test_what_follows_a_merged_lead_to_a_survivor_deleted_first_comes_back_to_triage(
    communications: Communications,
) -> None:
    survivor, merged = lead_created(phone="+48602345678"), lead_created()
    await communications.deliver(survivor)
    await communications.deliver(merged)
    call = call_received()
    await communications.deliver(call)

    # The survivor's deletion and the merge travel under different keys: here the deletion comes first.
    await communications.deliver(lead_deleted(survivor.lead_id))
    await communications.deliver(leads_merged(survivor.lead_id, merged.lead_id))

    back = await call_by_pbx_id(communications, call.pbx_call_id)
    assert (back.state, back.lead_id) == ("triage", None)
    assert back.returned is not None
    assert (back.returned.reason, back.returned.lead_id) == ("lead_deleted", merged.lead_id)
    assert str(survivor.lead_id) in back.returned.detail


async def requested(communications: Communications, name: str | None = None) -> tuple[uuid.UUID, uuid.UUID]:
    """A call in anna's triage she asked a lead for: the call's id and the lead's."""
    call = call_received(caller_number="+48 699 000 111")
    await communications.deliver(call)
    waiting = await call_by_pbx_id(communications, call.pbx_call_id)
    async with communications.runtime.unit_of_work() as uow:
        asked = await triage.request_lead_from_call(uow, RequestLead(waiting.id, name), ANNA)
        await uow.commit()
    assert asked.lead_id is not None
    return asked.id, asked.lead_id


async def call_of(communications: Communications, call_id: uuid.UUID) -> Any:
    async with communications.runtime.unit_of_work() as uow:
        return await uow.calls.get(call_id)


async def test_a_refused_request_returns_the_call_with_the_reason_and_a_retry_asks_for_the_same_lead(
    communications: Communications,
) -> None:
    call_id, lead_id = await requested(communications, "Biuro w Gdańsku")

    await communications.deliver(lead_request_refused(lead_id, call_id))

    refused = await call_of(communications, call_id)
    assert (refused.state, refused.lead_id, refused.requested_name) == ("triage", None, "Biuro w Gdańsku")
    assert refused.returned == Returned("lead_request_refused", lead_id, "lead type 'Sale' allows no open status", AT)
    [announced] = await events(communications, CallReturnedToTriageV1)
    assert (announced.reason, announced.detail) == ("lead_request_refused", "lead type 'Sale' allows no open status")

    async with communications.runtime.unit_of_work() as uow:
        retried = await triage.retry_lead_request(uow, uow.calls, call_id, ANNA)
        await uow.commit()

    assert (retried.state, retried.lead_id, retried.returned) == ("lead_requested", lead_id, None)
    first, again = await events(communications, CallLeadRequestedV1)
    assert (again.lead_id, again.name, again.phone) == (first.lead_id, first.name, first.phone)
    await communications.deliver(lead_created_from_call(call_id, lead_id, phone="+48699000111"))
    assert (await call_of(communications, call_id)).state == "attached"


async def test_a_cancelled_request_frees_the_call_and_the_lead_it_still_brings_takes_it(
    communications: Communications,
) -> None:
    call_id, lead_id = await requested(communications)

    async with communications.runtime.unit_of_work() as uow:
        cancelled = await triage.cancel_lead_request(uow, uow.calls, call_id, ANNA)
        await uow.commit()

    assert (cancelled.state, cancelled.returned.reason if cancelled.returned else None) == (
        "triage",
        "lead_request_cancelled",
    )
    [announced] = await events(communications, CallReturnedToTriageV1)
    assert (announced.returned_by, announced.lead_id) == ("anna", lead_id)
    await communications.deliver(lead_request_refused(lead_id, call_id))  # answers a request nobody waits for
    assert await events(communications, CallReturnedToTriageV1) == [announced]

    await communications.deliver(lead_created_from_call(call_id, lead_id, phone="+48699000111"))  # it came after all
    attached = await call_of(communications, call_id)
    assert (attached.state, attached.lead_id, attached.returned, attached.decided_by) == (
        "attached",
        lead_id,
        None,
        "anna",
    )


async def test_only_a_lead_request_is_retried_or_cancelled(communications: Communications) -> None:
    call = call_received()
    await communications.deliver(call)
    waiting = await call_by_pbx_id(communications, call.pbx_call_id)

    async with communications.runtime.unit_of_work() as uow:
        for action in (triage.retry_lead_request, triage.cancel_lead_request):
            with pytest.raises(Conflict) as refused:
                await action(uow, uow.calls, waiting.id, ANNA)
            assert (refused.value.rule, refused.value.field) == ("call_no_lead_request", "state")


async def test_a_lead_request_still_waiting_is_sent_again_as_it_was(communications: Communications) -> None:
    call_id, lead_id = await requested(communications, "Stuck request")

    async with communications.runtime.unit_of_work() as uow:
        await triage.retry_lead_request(uow, uow.calls, call_id, ANNA)
        await uow.commit()

    assert [(e.lead_id, e.name) for e in await events(communications, CallLeadRequestedV1)] == [
        (lead_id, "Stuck request")
    ] * 2
    assert (await call_of(communications, call_id)).state == "lead_requested"


async def test_a_refused_email_request_returns_the_email_with_the_reason(communications: Communications) -> None:
    await communications.deliver(email_received(message_id="m-1", to=[{"address": "anna@leadline.example"}]))
    email = await email_of(communications, "m-1")
    async with communications.runtime.unit_of_work() as uow:
        asked = await triage.request_lead_from_email(uow, RequestLead(email.id, None), ANNA_BY_EMAIL)
        await uow.commit()
    assert asked.lead_id is not None

    await communications.deliver(lead_request_refused(asked.lead_id, email.id, item_kind="email"))

    back = await email_of(communications, "m-1")
    assert (back.state, back.returned.reason if back.returned else None) == ("triage", "lead_request_refused")
    [announced] = await events(communications, EmailReturnedToTriageV1)
    assert (announced.email_id, announced.lead_id) == (email.id, asked.lead_id)
