"""Every lead that existed when LeadAnnouncedV1 was introduced is announced once, as it is now: consumers that kept
less of leads than they need now (communications: the address e-mails are matched by, the salesperson who may write
from the lead) learn it without anyone editing the lead.

A few hundred leads per transaction, in the order of their ids, from where the last transaction stopped (a cursor
row the migration made). Each replica runs it as it starts, until done; a transaction that finds the cursor moved
by another replica meanwhile commits nothing, so each lead is announced once. Leads created after the cursor passed
their id were announced by their own LeadCreatedV1 already; announcing them again does no harm."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from leadline.contracts.wire.events import LeadAnnouncedV1
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork

log = logging.getLogger(__name__)

CHUNK = 500


async def announce_next(uow: LeadsUnitOfWork) -> bool:
    """Announces the next leads, in the caller's transaction; False once every lead is announced. The caller commits
    when this returns True (and also when it returns False: nothing was written then)."""
    if await uow.announcement_cursor.done():
        return False
    after = await uow.announcement_cursor.last_announced()
    found = await uow.announcement_cursor.leads_after(after, limit=CHUNK)
    now = datetime.now(UTC)
    last = found[-1].id if found else after
    if not await uow.announcement_cursor.advance(after, last, done_at=now if len(found) < CHUNK else None):
        raise AnnouncedElsewhere
    for lead in found:
        await uow.outbox.add(
            LeadAnnouncedV1(
                lead_id=lead.id,
                name=lead.name,
                closed=lead.closed,
                salesperson_id=lead.salesperson_id,
                phone=lead.phone,
                email=lead.email,
                created_at=lead.created_at,
                announced_at=now,
            )
        )
    return len(found) == CHUNK


class AnnouncedElsewhere(Exception):
    """Another replica announced these leads meanwhile: this transaction must not commit."""


async def announce_all(unit_of_work: Callable[[], LeadsUnitOfWork]) -> None:
    more = True
    while more:
        async with unit_of_work() as uow:
            try:
                more = await announce_next(uow)
            except AnnouncedElsewhere:
                continue
            await uow.commit()


@contextlib.asynccontextmanager
async def announcing(unit_of_work: Callable[[], LeadsUnitOfWork]) -> AsyncIterator[None]:
    """While the service runs: announce what is left to announce, then stop."""

    async def run() -> None:
        try:
            await announce_all(unit_of_work)
        except Exception:
            log.exception("leads: announcing the existing leads failed; the next start goes on from where it stopped")

    task = asyncio.create_task(run(), name="leads-announcement")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
