"""Use cases of telephony beyond intake: the sales team directory, missed calls to call back, correcting a wrong
attachment, and click-to-call. Each runs inside the caller's unit of work and writes its events to the outbox in the
same transaction; the caller commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from leadline.communications.domain.directory import as_in_directory
from leadline.communications.domain.lifecycle import marked_done
from leadline.communications.domain.model import Call
from leadline.communications.service.calls import facts
from leadline.communications.service.triage import get_item
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.contacts import checked_e164
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound, RuleViolation
from leadline.contracts.wire.events import (
    CallCallbackClearedV1,
    CallDetachedV1,
    CallMovedV1,
    DialRequestedV1,
)


async def user_in_directory(uow: AbstractUnitOfWork, user: Principal) -> Principal:
    """The user with the PBX extension the directory gives them (domain.directory)."""
    return as_in_directory(user, await uow.employees.get(user.user_id))


async def missed_calls(
    uow: AbstractUnitOfWork, user: Principal, *, salesperson: str | None, limit: int, cursor: str | None
) -> tuple[list[Call], str | None]:
    """Missed calls waiting for a call back, oldest first: a salesperson's own (their extension's, and those that
    reached none); a manager's choice of one salesperson's, or everyone's."""
    if salesperson is None or salesperson == user.user_id:
        everyone, extension = user.is_manager and salesperson is None, user.extension
    elif not user.is_manager:
        raise Forbidden("a salesperson sees only their own missed calls", rule="not_your_calls", field="salesperson")
    else:
        employee = await uow.employees.get(salesperson)
        if employee is None:
            raise NotFound(
                f"there is no employee {salesperson!r} in the directory", rule="employee_not_found", field="salesperson"
            )
        everyone, extension = False, as_in_directory(user, employee).extension
    return await uow.calls.missed_page(extension, everyone=everyone, limit=limit, cursor=cursor)


async def mark_called_back(uow: AbstractUnitOfWork, call_id: UUID, user: Principal) -> Call:
    """A person clears a missed call from the list: returned by other means (a mobile phone, an e-mail), or not worth
    it. An answered call back clears it by itself."""
    call = await get_item(uow.calls, call_id, user)
    now = datetime.now(UTC)
    done = marked_done(call, by=user.user_id, at=now)
    if not await uow.calls.clear_callback(done):
        raise Conflict(
            f"call {call_id} was cleared meanwhile", rule="call_not_waiting_for_callback", field="callback_state"
        )
    await uow.outbox.add(
        CallCallbackClearedV1(
            call_id=call.id,
            how="marked_done",
            callback_call_id=None,
            missed_at=call.received_at,
            cleared_by=user.user_id,
            cleared_at=now,
        )
    )
    return done


async def _attached_call(uow: AbstractUnitOfWork, call_id: UUID, user: Principal) -> Call:
    """A call whose attachment the user may correct: a manager any; a salesperson those of their own leads."""
    call = await uow.calls.get(call_id)
    if call is None:
        raise NotFound(f"there is no call {call_id}", rule="call_not_found")
    if user.is_manager:
        return call
    lead = await uow.known_leads.get(call.lead_id) if call.lead_id is not None else None
    if lead is None or lead.salesperson_id != user.user_id:
        raise Forbidden(
            "only the salesperson of the lead a call is attached to, or a manager, may correct it",
            rule="not_your_lead",
            field="lead_id",
        )
    return call


async def detach(uow: AbstractUnitOfWork, call_id: UUID, user: Principal) -> Call:
    """Takes a call off the lead it was attached to (wrongly): it is back in triage for another decision."""
    call = await _attached_call(uow, call_id, user)
    now = datetime.now(UTC)
    detached = call.detached(by=user.user_id, at=now)
    assert call.lead_id is not None
    await uow.calls.save(detached)
    await uow.outbox.add(
        CallDetachedV1(call_id=call.id, lead_id=call.lead_id, detached_by=user.user_id, detached_at=now)
    )
    return detached


async def move(uow: AbstractUnitOfWork, call_id: UUID, lead_id: UUID, user: Principal) -> Call:
    """Moves a call from the lead it was attached to (wrongly) to the right one."""
    call = await _attached_call(uow, call_id, user)
    now = datetime.now(UTC)
    moved = call.moved_to(lead_id, by=user.user_id, at=now)
    if await uow.known_leads.claim(lead_id) is None:
        raise NotFound(f"there is no lead {lead_id}", rule="lead_not_found", field="lead_id")
    assert call.lead_id is not None
    await uow.calls.save(moved)
    await uow.outbox.add(
        CallMovedV1(
            call_id=call.id,
            from_lead_id=call.lead_id,
            lead_id=lead_id,
            moved_by=user.user_id,
            moved_at=now,
            caller_number=call.caller_number,
            received_at=call.received_at,
            call=facts(call),
        )
    )
    return moved


@dataclass(frozen=True)
class Dial:
    """Ring the user's extension, then the number: a lead's phone, or one given."""

    lead_id: UUID | None = None
    number: str | None = None


async def request_dial(
    uow: AbstractUnitOfWork, command: Dial, user: Principal, *, phone_region: str
) -> DialRequestedV1:
    """Asks the telephony gateway to connect the user's extension to the number (click-to-call)."""
    if user.extension is None:
        raise RuleViolation("you have no PBX extension to ring first", rule="no_extension", field="extension")
    if command.lead_id is not None:
        lead = await uow.known_leads.get(command.lead_id)
        if lead is None:
            raise NotFound(f"there is no lead {command.lead_id}", rule="lead_not_found", field="lead_id")
        if lead.phone is None:
            raise RuleViolation(
                f"lead {command.lead_id} has no phone number", rule="lead_has_no_phone", field="lead_id"
            )
        number = lead.phone
    else:
        assert command.number is not None
        number = checked_e164(command.number, phone_region, field="number")
    requested = DialRequestedV1(
        dial_id=uuid.uuid4(),
        extension=user.extension,
        number=number,
        lead_id=command.lead_id,
        requested_by=user.user_id,
        requested_at=datetime.now(UTC),
    )
    await uow.outbox.add(requested)
    return requested
