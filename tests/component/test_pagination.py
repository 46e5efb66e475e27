"""Keyset pagination (leadline.contracts.platform.pagination.newest_first) on a real database, over the
leads table: every row exactly once, newest first, however many share a timestamp."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leadline.contracts.platform.errors import RuleViolation
from leadline.contracts.platform.pagination import newest_first
from leadline.leads.adapters.tables import leads as leads_table
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.model import Lead
from tests.support.component.service_under_test import ServiceUnderTest

Leads = ServiceUnderTest[LeadsUnitOfWork]

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def a_lead(created_at: datetime, *, salesperson_id: str = "anna") -> Lead:
    return Lead(
        id=uuid.uuid4(),
        name="Lead",
        type_code="sale",
        status_code="new",
        closed=False,
        salesperson_id=salesperson_id,
        phone=None,
        email=None,
        created_by=salesperson_id,
        created_at=created_at,
        updated_by=salesperson_id,
        updated_at=created_at,
        status_since=created_at,
        lead_date=created_at,
        currency="PLN",
    )


async def stored(service: Leads, leads: list[Lead]) -> None:
    async with service.runtime.unit_of_work() as uow:
        for lead in leads:
            await uow.leads.add(lead)
        await uow.commit()


async def page_of(
    uow: LeadsUnitOfWork, *, limit: int, cursor: str | None, salesperson_id: str | None = None
) -> tuple[list[Lead], str | None]:
    query = select(leads_table)
    if salesperson_id is not None:
        query = query.where(leads_table.c.salesperson_id == salesperson_id)
    rows, next_cursor = await newest_first(
        uow.session, query, at=leads_table.c.created_at, row_id=leads_table.c.id, limit=limit, cursor=cursor
    )
    return [Lead(**row) for row in rows], next_cursor


async def every_page(service: Leads, *, limit: int, salesperson_id: str | None = None) -> list[list[Lead]]:
    pages: list[list[Lead]] = []
    cursor: str | None = None
    while True:
        async with service.runtime.unit_of_work() as uow:
            page, cursor = await page_of(uow, salesperson_id=salesperson_id, limit=limit, cursor=cursor)
        pages.append(page)
        if cursor is None:
            return pages
        assert len(pages) < 20, "the cursor never ran out"


async def test_pages_hold_every_lead_once_newest_first_ties_broken_by_id(leads: Leads) -> None:
    # Three in the same microsecond, one an hour earlier, two an hour later (also a tie), one in between.
    all_leads = [a_lead(NOON) for _ in range(3)]
    all_leads += [a_lead(NOON - timedelta(hours=1)), a_lead(NOON + timedelta(minutes=30))]
    all_leads += [a_lead(NOON + timedelta(hours=1)) for _ in range(2)]
    await stored(leads, all_leads)

    pages = await every_page(leads, limit=2)

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [lead.id for page in pages for lead in page] == [
        lead.id for lead in sorted(all_leads, key=lambda lead: (lead.created_at, lead.id), reverse=True)
    ]


async def test_a_page_exactly_as_long_as_what_is_left_has_no_next_cursor(leads: Leads) -> None:
    await stored(leads, [a_lead(NOON + timedelta(seconds=i)) for i in range(4)])

    assert [len(page) for page in await every_page(leads, limit=2)] == [2, 2]
    assert [len(page) for page in await every_page(leads, limit=4)] == [4]


async def test_a_filter_holds_across_pages(leads: Leads) -> None:
    annas = [a_lead(NOON + timedelta(seconds=i)) for i in range(3)]
    await stored(leads, [*annas, *(a_lead(NOON, salesperson_id="piotr") for _ in range(3))])

    pages = await every_page(leads, limit=2, salesperson_id="anna")

    assert [lead.id for page in pages for lead in page] == [lead.id for lead in reversed(annas)]


async def test_leads_added_between_pages_do_not_shift_the_next_page(leads: Leads) -> None:
    older = [a_lead(NOON - timedelta(minutes=i)) for i in range(4)]
    await stored(leads, older)
    async with leads.runtime.unit_of_work() as uow:
        first, cursor = await page_of(uow, limit=2, cursor=None)

    await stored(leads, [a_lead(NOON + timedelta(hours=1))])
    async with leads.runtime.unit_of_work() as uow:
        second, _ = await page_of(uow, limit=2, cursor=cursor)

    assert [lead.id for lead in [*first, *second]] == [lead.id for lead in older]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"no separator").decode(),
        base64.urlsafe_b64encode(b"2026-03-02T12:00:00+00:00|not-a-uuid").decode(),
        base64.urlsafe_b64encode(f"yesterday|{uuid.uuid4()}".encode()).decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
    ids=["not base64", "no separator", "bad id", "bad time", "not text"],
)
async def test_a_cursor_this_api_did_not_return_is_refused(leads: Leads, cursor: str) -> None:
    async with leads.runtime.unit_of_work() as uow:
        with pytest.raises(RuleViolation) as refused:
            await page_of(uow, limit=2, cursor=cursor)

    assert (refused.value.rule, refused.value.field) == ("invalid_cursor", "cursor")
