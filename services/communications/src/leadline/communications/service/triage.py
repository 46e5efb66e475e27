"""What people do with calls and e-mails in triage: read and list them, ask the leads service for a lead made from
one (and retry or cancel that), attach one to a lead they chose, ignore one and undo it. Each runs inside the
caller's unit of work and writes its events to the outbox in the same transaction; the caller commits.

Calls and e-mails go through the same decisions; only what they carry differs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypeVar, cast
from uuid import UUID

from leadline.communications.domain.model import (
    Call,
    Email,
    ItemState,
    TriageItem,
    ensure_may_handle,
)
from leadline.communications.service.announcing import save_attached, save_returned
from leadline.communications.service.commands import Attach, RequestLead
from leadline.communications.service.unit_of_work import AbstractTriageRepository, AbstractUnitOfWork
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound
from leadline.contracts.wire.events import (
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallUnignoredV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailUnignoredV1,
)

T = TypeVar("T", bound=TriageItem)


async def request_lead_from_call(uow: AbstractUnitOfWork, command: RequestLead, user: Principal) -> Call:
    """Asks the leads service for a lead made from the call. The lead id is chosen here, so the
    call knows its lead at once and a request the leads service sees twice creates one lead."""
    call = await get_item(uow.calls, command.item_id, user)
    name = command.name or f"Call from {call.caller_number}"
    requested = call.with_lead_requested(uuid.uuid4(), name, by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, uow.calls, requested, user)
    return requested


async def request_lead_from_email(uow: AbstractUnitOfWork, command: RequestLead, user: Principal) -> Email:
    """As for calls: the lead (named after the subject, the sender's address as its e-mail) gets its id here."""
    email = await get_item(uow.emails, command.item_id, user)
    name = command.name or email.subject_line.strip()[:200] or f"E-mail from {email.sender}"
    requested = email.with_lead_requested(uuid.uuid4(), name, by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, uow.emails, requested, user)
    return requested


async def retry_lead_request(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item_id: UUID, user: Principal
) -> T:
    """Asks the leads service again for the lead a call or an e-mail asked for: one still waiting for an answer,
    or one refused (once the cause is mended) or cancelled. The same lead id, so one lead comes of it all."""
    item = await get_item(repository, item_id, user)
    retried = item.lead_request_retried(by=user.user_id, at=datetime.now(UTC))
    await _lead_requested(uow, repository, retried, user)
    return retried


async def cancel_lead_request(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item_id: UUID, user: Principal
) -> T:
    """Stops waiting for the lead asked for: the item is back in triage for another decision."""
    item = await get_item(repository, item_id, user)
    cancelled = item.lead_request_cancelled(by=user.user_id, at=datetime.now(UTC))
    await save_returned(uow, repository, cancelled, user.user_id, None)
    return cancelled


async def _lead_requested(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item: T, user: Principal
) -> None:
    assert item.lead_id is not None
    assert item.requested_name is not None
    assert item.decided_at is not None
    await repository.save(item)
    requested = {
        "lead_id": item.lead_id,
        "name": item.requested_name,
        "salesperson_id": user.user_id,
        "requested_by": user.user_id,
        "requested_at": item.decided_at,
    }
    await uow.outbox.add(
        CallLeadRequestedV1(call_id=item.id, phone=item.caller_number, **requested)
        if isinstance(item, Call)
        else EmailLeadRequestedV1(email_id=item.id, email=cast(Email, item).sender, **requested)
    )


async def attach(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], command: Attach, user: Principal
) -> T:
    """A person attaches a call or an e-mail in triage to the lead they chose."""
    item = await get_item(repository, command.item_id, user)
    now = datetime.now(UTC)
    attached = item.attached_to(command.lead_id, by=user.user_id, at=now)
    if await uow.known_leads.claim(command.lead_id) is None:
        raise NotFound(f"there is no lead {command.lead_id}", rule="lead_not_found", field="lead_id")
    await save_attached(uow, repository, attached, "chosen", user.user_id, now, None)
    return attached


async def ignore(uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item_id: UUID, user: Principal) -> T:
    """Not sales related: the item leaves the Ready list until someone undoes this."""
    item = await get_item(repository, item_id, user)
    now = datetime.now(UTC)
    ignored = item.ignored(by=user.user_id, at=now)
    await repository.save(ignored)
    await uow.outbox.add(
        CallIgnoredV1(call_id=item.id, ignored_by=user.user_id, ignored_at=now)
        if isinstance(item, Call)
        else EmailIgnoredV1(email_id=item.id, ignored_by=user.user_id, ignored_at=now)
    )
    return ignored


async def unignore(
    uow: AbstractUnitOfWork, repository: AbstractTriageRepository[T], item_id: UUID, user: Principal
) -> T:
    """Undoes an ignore: the item is back in triage, waiting for a decision."""
    item = await get_item(repository, item_id, user)
    now = datetime.now(UTC)
    back = item.unignored()
    await repository.save(back)
    await uow.outbox.add(
        CallUnignoredV1(call_id=item.id, unignored_by=user.user_id, unignored_at=now)
        if isinstance(item, Call)
        else EmailUnignoredV1(email_id=item.id, unignored_by=user.user_id, unignored_at=now)
    )
    return back


async def get_item(repository: AbstractTriageRepository[T], item_id: UUID, user: Principal) -> T:
    """The call or e-mail, refused unless the user may handle it."""
    item = await repository.get(item_id)
    if item is None:
        kind = repository.kind
        raise NotFound(f"there is no {kind} {item_id}", rule=f"{kind}_not_found")
    ensure_may_handle(item, user, frozenset() if user.is_manager else await repository.addresses_of(user))
    return item


async def list_calls(
    uow: AbstractUnitOfWork,
    user: Principal,
    *,
    state: ItemState | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Call], str | None]:
    """Newest received first: every call for a manager; a salesperson's own extension's otherwise, and those that
    reached no extension (a queue, an IVR), which any salesperson may take up."""
    return await uow.calls.page_of_extension(
        user.extension, everyone=user.is_manager, state=state, limit=limit, cursor=cursor
    )


async def list_emails(
    uow: AbstractUnitOfWork,
    user: Principal,
    *,
    state: ItemState | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Email], str | None]:
    """Newest sent first: every e-mail for a manager; for a salesperson those addressed to them (their address in
    the directory or their token's) or to a shared address."""
    if user.is_manager:
        return await uow.emails.page_addressed_to(None, state=state, limit=limit, cursor=cursor)
    addresses = await uow.emails.addresses_of(user)
    if not addresses:
        return [], None  # no address of their own and none shared: nothing is addressed to this salesperson
    return await uow.emails.page_addressed_to(addresses, state=state, limit=limit, cursor=cursor)
