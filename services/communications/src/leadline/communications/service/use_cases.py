"""Use cases of the communications service. Each runs inside the caller's unit of work and writes its
events to the outbox in the same transaction; the caller commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import (
    Call,
    CallState,
    KnownLead,
    ensure_may_handle,
    match_call,
    normalised_number,
)
from leadline.communications.service.commands import AttachCall, RequestLead
from leadline.contracts.auth import Principal
from leadline.contracts.envelope import Envelope
from leadline.contracts.errors import NotFound
from leadline.contracts.events import (
    CallAttachedV1,
    CallLeadRequestedV1,
    CallReceivedV1,
    CallRegisteredV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadStatusChangedV1,
)


async def register_call(
    uow: CommunicationsUnitOfWork,
    event: CallReceivedV1,
    envelope: Envelope,
    *,
    phone_region: str,
) -> None:
    """Stores a call the PBX saw and matches it to a lead. Gateways retry, and a retry carries the
    same PBX call id: it finds the call already stored and has no further effect."""
    if await uow.calls.get_by_pbx_call_id(event.pbx_call_id) is not None:
        return
    caller_number = normalised_number(event.caller_number, phone_region)
    match = match_call(caller_number, await uow.known_leads.with_phone(caller_number))
    call = Call(
        id=uuid.uuid4(),
        pbx_call_id=event.pbx_call_id,
        caller_number=caller_number,
        called_number=event.called_number,
        extension=event.extension,
        direction=event.direction,
        received_at=event.received_at,
        state=match.state,
        lead_id=match.lead_id,
        candidate_lead_ids=match.candidate_lead_ids,
    )
    await uow.calls.add(call)
    await uow.outbox.add(
        CallRegisteredV1(
            call_id=call.id,
            pbx_call_id=call.pbx_call_id,
            caller_number=call.caller_number,
            extension=call.extension,
            received_at=call.received_at,
            state=match.state,
            lead_id=call.lead_id,
            candidate_lead_ids=list(call.candidate_lead_ids),
        ),
        caused_by=envelope,
    )


async def remember_lead(uow: CommunicationsUnitOfWork, event: LeadCreatedV1, envelope: Envelope) -> None:
    """Keeps the lead for matching later calls; a lead made from a call gets that call attached."""
    await uow.known_leads.put(
        KnownLead(
            lead_id=event.lead_id,
            phone=event.phone,
            closed=event.closed,
            created_at=event.created_at,
        )
    )
    if event.phone and not event.closed:
        await _attach_waiting_calls(uow, event, envelope)
    if event.origin is None or event.origin.kind != "call":
        return
    call = await uow.calls.get(event.origin.id)
    if call is None or not call.awaits_lead:
        return
    await uow.calls.save(call.attached_to_created_lead(event.lead_id, by=event.created_by, at=event.created_at))
    await uow.outbox.add(
        CallAttachedV1(
            call_id=call.id,
            lead_id=event.lead_id,
            how="lead_created",
            attached_by=event.created_by,
            attached_at=event.created_at,
            caller_number=call.caller_number,
            received_at=call.received_at,
        ),
        caused_by=envelope,
    )


async def _attach_waiting_calls(uow: CommunicationsUnitOfWork, event: LeadCreatedV1, envelope: Envelope) -> None:
    """A call that came before its caller's lead was known waits in triage with no candidate; the
    lead appearing is the match it lacked. Calls with several candidates stay for a person to decide."""
    assert event.phone is not None
    for call in await uow.calls.in_triage_from(event.phone):
        if call.candidate_lead_ids or (event.origin is not None and event.origin.id == call.id):
            continue
        await uow.calls.save(call.matched_later(event.lead_id))
        await uow.outbox.add(
            CallAttachedV1(
                call_id=call.id,
                lead_id=event.lead_id,
                how="matched",
                attached_by=uow.outbox.source,
                attached_at=datetime.now(UTC),
                caller_number=call.caller_number,
                received_at=call.received_at,
            ),
            caused_by=envelope,
        )


async def lead_status_changed(uow: CommunicationsUnitOfWork, event: LeadStatusChangedV1, envelope: Envelope) -> None:
    """Whether a lead is open decides how later calls match it."""
    await uow.known_leads.set_closed(event.lead_id, event.closed)


async def lead_merged(uow: CommunicationsUnitOfWork, event: LeadMergedV1, envelope: Envelope) -> None:
    """Calls follow the merged lead to its survivor; the merged lead matches no later call."""
    for call in await uow.calls.of_lead(event.merged_id):
        await uow.calls.save(call.repointed(event.merged_id, event.survivor_id))
    await uow.known_leads.forget(event.merged_id)


async def lead_deleted(uow: CommunicationsUnitOfWork, event: LeadDeletedV1, envelope: Envelope) -> None:
    """A deleted lead had no calls attached (leads refuses that), but it may still be a triage candidate."""
    for call in await uow.calls.in_triage_with_candidate(event.lead_id):
        await uow.calls.save(call.without_candidate(event.lead_id))
    await uow.known_leads.forget(event.lead_id)


async def request_lead(uow: CommunicationsUnitOfWork, command: RequestLead, user: Principal) -> Call:
    """Asks the leads service for a lead made from the call. The lead id is chosen here, so the
    call knows its lead at once and a request the leads service sees twice creates one lead."""
    call = await get_call(uow, command.call_id, user)
    lead_id = uuid.uuid4()
    now = datetime.now(UTC)
    requested = call.with_lead_requested(lead_id, by=user.user_id, at=now)
    await uow.calls.save(requested)
    await uow.outbox.add(
        CallLeadRequestedV1(
            call_id=call.id,
            lead_id=lead_id,
            name=command.name or f"Call from {call.caller_number}",
            phone=call.caller_number,
            salesperson_id=user.user_id,
            requested_by=user.user_id,
            requested_at=now,
        )
    )
    return requested


async def attach(uow: CommunicationsUnitOfWork, command: AttachCall, user: Principal) -> Call:
    call = await get_call(uow, command.call_id, user)
    now = datetime.now(UTC)
    attached = call.attached_to(command.lead_id, by=user.user_id, at=now)
    if await uow.known_leads.get(command.lead_id) is None:
        raise NotFound(
            f"there is no lead {command.lead_id}",
            rule="lead_not_found",
            field="lead_id",
        )
    await uow.calls.save(attached)
    await uow.outbox.add(
        CallAttachedV1(
            call_id=call.id,
            lead_id=command.lead_id,
            how="chosen",
            attached_by=user.user_id,
            attached_at=now,
            caller_number=call.caller_number,
            received_at=call.received_at,
        )
    )
    return attached


async def get_call(uow: CommunicationsUnitOfWork, call_id: UUID, user: Principal) -> Call:
    call = await uow.calls.get(call_id)
    if call is None:
        raise NotFound(f"there is no call {call_id}", rule="call_not_found")
    ensure_may_handle(call, user)
    return call


async def list_calls(
    uow: CommunicationsUnitOfWork,
    user: Principal,
    *,
    state: CallState | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Call], str | None]:
    """Newest received first: every call for a manager, a salesperson's own extension's otherwise."""
    if user.is_manager:
        extension = None
    elif user.extension is None:
        return [], None  # a salesperson without an extension has no calls to triage
    else:
        extension = user.extension
    return await uow.calls.page(state=state, extension=extension, limit=limit, cursor=cursor)
