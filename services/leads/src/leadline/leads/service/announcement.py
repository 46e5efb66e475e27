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

from sqlalchemy import select, update

from leadline.contracts.events import LeadAnnouncedV1
from leadline.leads.adapters.tables import lead_announcement, leads
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork

log = logging.getLogger(__name__)

CHUNK = 500


async def announce_next(uow: LeadsUnitOfWork) -> bool:
    """Announces the next leads, in the caller's transaction; False once every lead is announced. The caller commits
    when this returns True (and also when it returns False: nothing was written then)."""
    cursor = (await uow.session.execute(select(lead_announcement).where(lead_announcement.c.id == 1))).first()
    if cursor is None or cursor.done_at is not None:
        return False
    query = select(leads.c.id, leads.c.name, leads.c.closed, leads.c.salesperson_id, leads.c.phone, leads.c.email)
    query = query.add_columns(leads.c.created_at).order_by(leads.c.id).limit(CHUNK)
    if cursor.after_lead_id is not None:
        query = query.where(leads.c.id > cursor.after_lead_id)
    found = (await uow.session.execute(query)).all()
    now = datetime.now(UTC)
    last = found[-1].id if found else cursor.after_lead_id
    unchanged = (
        lead_announcement.c.after_lead_id.is_(None)
        if cursor.after_lead_id is None
        else lead_announcement.c.after_lead_id == cursor.after_lead_id
    )
    moved = await uow.session.execute(
        update(lead_announcement)
        .where(lead_announcement.c.id == 1, lead_announcement.c.done_at.is_(None), unchanged)
        .values(after_lead_id=last, done_at=now if len(found) < CHUNK else None)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AnnouncedElsewhere
    for row in found:
        await uow.outbox.add(
            LeadAnnouncedV1(
                lead_id=row.id,
                name=row.name,
                closed=row.closed,
                salesperson_id=row.salesperson_id,
                phone=row.phone,
                email=row.email,
                created_at=row.created_at,
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
