"""The kanban board's column totals are kept as leads change (triggers write changes, folded now and then;
adapters/board_totals.py): after any mix of writes they equal the totals counted afresh over every open lead,
folded or not, on SQLite and on PostgreSQL — over HTTP against the real service and broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.migrations import alembic_config, upgrade
from leadline.leads.adapters.tables import leads as leads_table
from leadline.leads.adapters.tables import open_lead_total_changes
from tests.support.board_totals import Totals, counted_afresh, folded_rows, kept, rows_counted_afresh
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

TYPES = (None, "sale", "service")


async def on_the_board(leads: RunningService, type_code: str | None) -> Totals:
    response = await leads.http.get(
        "/kanban", params={"type_code": type_code} if type_code else {}, headers=auth("anna")
    )
    assert response.status_code == 200, response.text
    return {
        column["status_code"]: (column["count"], {r["currency"]: Decimal(r["amount"]) for r in column["revenue"]})
        for column in response.json()["columns"]
        if column["count"]
    }


async def fold(leads: RunningService) -> None:
    async with leads.runtime.unit_of_work() as uow:
        await uow.board_totals.fold()
        await uow.commit()


async def assert_totals_are_exact(leads: RunningService) -> None:
    """Kept totals equal fresh ones with changes pending, and again once they are folded in."""
    for _ in range(2):
        for type_code in TYPES:
            async with leads.runtime.sessions() as session:
                afresh = await counted_afresh(session, type_code)
                assert await kept(session, type_code) == afresh, type_code
            assert await on_the_board(leads, type_code) == afresh, type_code
        await fold(leads)
    async with leads.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(open_lead_total_changes))).scalar_one() == 0
        # Folded, each row is its status, type and currency counted afresh: nothing hides behind a zero count.
        assert await folded_rows(session) == await rows_counted_afresh(session)


async def create(leads: RunningService, user: str = "anna", **fields: Any) -> str:
    response = await leads.http.post("/leads", json={"name": "Lead", **fields}, headers=auth(user))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def ok(response: Any) -> None:
    assert response.status_code < 300, response.text


async def test_totals_follow_every_kind_of_lead_write(leads: RunningService) -> None:
    http, anna, marta = leads.http, auth("anna"), auth("marta")
    alpha = await create(leads, expected_revenue="100.00", currency="PLN")
    bravo = await create(leads, type_code="service", expected_revenue="250.50", currency="EUR")
    charlie = await create(leads)  # no revenue: counted, summed as nothing
    delta = await create(leads, status_code="qualification", expected_revenue="75.25")
    echo = await create(leads, status_code="proposal", expected_revenue="10.00", currency="USD")
    foxtrot = await create(leads, expected_revenue="0.00")
    await assert_totals_are_exact(leads)

    ok(await http.patch(f"/leads/{alpha}", json={"expected_revenue": "120.10"}, headers=anna))
    ok(await http.patch(f"/leads/{bravo}", json={"currency": "PLN"}, headers=anna))
    ok(await http.patch(f"/leads/{charlie}", json={"type_code": "service", "expected_revenue": "5"}, headers=anna))
    ok(await http.patch(f"/leads/{delta}", json={"expected_revenue": None}, headers=anna))
    ok(await http.patch(f"/leads/{echo}", json={"description": "No change to any total"}, headers=anna))
    await assert_totals_are_exact(leads)

    ok(await http.post(f"/leads/{alpha}/status", json={"status_code": "proposal"}, headers=anna))
    ok(await http.post(f"/leads/{echo}/status", json={"status_code": "won"}, headers=anna))  # closed: gone
    ok(await http.post(f"/leads/{delta}/lost", json={"lost_reason_code": "price"}, headers=anna))
    await assert_totals_are_exact(leads)

    ok(await http.post(f"/leads/{delta}/status", json={"status_code": "new"}, headers=anna))  # reopened
    ok(await http.post(f"/leads/{alpha}/merge", json={"merged_lead_id": foxtrot}, headers=marta))
    ok(await http.delete(f"/leads/{charlie}", headers=marta))
    await assert_totals_are_exact(leads)

    # A status with leads in it is archived, not deleted: its column stays while they are there.
    on_hold = {"code": "on-hold", "name": "On hold", "sort_order": 25}
    ok(await http.post("/statuses", json=on_hold, headers=marta))
    ok(await http.post(f"/leads/{alpha}/status", json={"status_code": "on-hold"}, headers=anna))
    ok(await http.delete("/statuses/on-hold", headers=marta))
    await assert_totals_are_exact(leads)
    assert (await on_the_board(leads, None))["on-hold"] == (1, {"PLN": Decimal("120.10")})

    # Written by hand, past the application: the triggers still see it.
    async with leads.runtime.sessions() as session, session.begin():
        await session.execute(update(leads_table).where(leads_table.c.id == uuid.UUID(bravo)).values(currency="USD"))
        await session.execute(
            update(leads_table).values(expected_revenue=leads_table.c.expected_revenue + Decimal("0.01"))
        )
        await session.execute(delete(leads_table).where(leads_table.c.id == uuid.UUID(delta)))
    await assert_totals_are_exact(leads)


async def test_the_running_service_folds_the_changes_on_its_own(leads: RunningService) -> None:
    await create(leads, expected_revenue="12.34")
    await create(leads, type_code="service")

    async def folded() -> set[Any] | None:
        async with leads.runtime.sessions() as session:
            changes = (await session.execute(select(func.count()).select_from(open_lead_total_changes))).scalar_one()
            return await folded_rows(session) if changes == 0 else None

    assert await eventually(folded, what="the changes folded by the service") == {
        ("new", "sale", "PLN", 1, 1, 1234),
        ("new", "service", "PLN", 1, 0, 0),
    }


async def test_a_write_rolled_back_leaves_the_totals_as_they_were(leads: RunningService) -> None:
    lead = await create(leads, expected_revenue="100.00")
    await fold(leads)
    async with leads.runtime.sessions() as session:
        before = await kept(session, None)
        await session.rollback()  # ends the reading transaction; the update begins another
        await session.execute(
            update(leads_table).where(leads_table.c.id == uuid.UUID(lead)).values(status_code="qualification")
        )
        assert await kept(session, None) != before  # seen inside the transaction...
        await session.rollback()
        assert await kept(session, None) == before  # ...and gone with it
    await assert_totals_are_exact(leads)


async def test_totals_stay_exact_under_concurrent_writes_and_folds(leads: RunningService) -> None:
    http, anna = leads.http, auth("anna")
    ids = await asyncio.gather(
        *(
            create(
                leads,
                expected_revenue=f"{n}.{n:02d}",
                currency=("PLN", "EUR")[n % 2],
                type_code=("sale", "service")[n % 3 == 0],
            )
            for n in range(24)
        )
    )

    async def work_on(n: int, lead_id: str) -> None:
        ok(await http.patch(f"/leads/{lead_id}", json={"expected_revenue": f"{n * 3}.50"}, headers=anna))
        ok(await http.post(f"/leads/{lead_id}/status", json={"status_code": "qualification"}, headers=anna))
        if n % 4 == 0:
            ok(await http.post(f"/leads/{lead_id}/lost", json={"lost_reason_code": "price"}, headers=anna))
        elif n % 4 == 1:
            ok(await http.patch(f"/leads/{lead_id}", json={"currency": "USD"}, headers=anna))
        await create(leads, expected_revenue=f"{n}.99")

    async def folding() -> None:
        for _ in range(10):
            await fold(leads)

    await asyncio.gather(*(work_on(n, lead_id) for n, lead_id in enumerate(ids)), folding(), folding())
    await assert_totals_are_exact(leads)


async def test_the_migration_counts_the_leads_already_there(database_url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config("leadline.leads", database_url), "0013")
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)
        old_leads = [
            ("new", "sale", "PLN", Decimal("100.10"), False),
            ("new", "sale", "PLN", None, False),
            ("new", "service", "EUR", Decimal("5.00"), False),
            ("qualification", "sale", "PLN", Decimal("7.77"), False),
            ("won", "sale", "PLN", Decimal("1000.00"), True),
        ]
        async with engine.begin() as connection:
            await connection.execute(
                insert(leads_table),
                [
                    {
                        "id": uuid.uuid4(),
                        "name": "Old lead",
                        "status_code": status,
                        "type_code": lead_type,
                        "currency": currency,
                        "expected_revenue": revenue,
                        "closed": closed,
                        **dict.fromkeys(("status_since", "lead_date", "created_at", "updated_at"), now),
                        **dict.fromkeys(("created_by", "updated_by"), "anna"),
                        "version": 1,
                    }
                    for status, lead_type, currency, revenue, closed in old_leads
                ],
            )
        await asyncio.to_thread(upgrade, "leadline.leads", database_url)
        async with AsyncSession(engine) as session:
            assert await kept(session, None) == {
                "new": (3, {"PLN": Decimal("100.10"), "EUR": Decimal("5.00")}),
                "qualification": (1, {"PLN": Decimal("7.77")}),
            }
            for type_code in TYPES:
                assert await kept(session, type_code) == await counted_afresh(session, type_code)
    finally:
        await engine.dispose()
