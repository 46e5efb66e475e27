"""Writes that can conflict (SQLite, and PostgreSQL when configured): If-Match on kanban moves, deals and both
leads of a merge; and a change of the configuration interleaved with a lead write that depends on it, in
both orders, never leaves a lead in a state later edits cannot leave.

The interleavings hold one transaction open, start the other and wait until it is blocked on the database
(PostgreSQL: a lock wait in pg_stat_activity; SQLite admits one writer at a time, so there the second always
runs after the first), then commit the first. Without the serialisation on the configuration token the
second would not block on PostgreSQL: it would decide on what the first is changing and both would commit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from leadline.contracts.platform.auth import DEMO_USERS, Principal
from leadline.contracts.platform.errors import Conflict, RuleViolation
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.service import reference, use_cases
from leadline.leads.service.commands import ChangeStatus, EditLead
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

MARTA = Principal(user_id="marta", name=DEMO_USERS["marta"].name, roles=frozenset(DEMO_USERS["marta"].roles))


async def a_lead(leads: RunningService, **fields: Any) -> dict[str, Any]:
    response = await leads.http.post("/leads", json={"name": "Desks", **fields}, headers=auth("marta"))
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()
    return lead


# If-Match


async def test_a_stale_kanban_move_is_refused_and_a_current_one_passes(leads: RunningService) -> None:
    lead = await a_lead(leads)
    move = {"status_code": "qualification"}

    stale = await leads.http.post(
        f"/kanban/cards/{lead['id']}/move", json=move, headers={**auth("marta"), "If-Match": '"7"'}
    )
    current = await leads.http.post(
        f"/kanban/cards/{lead['id']}/move", json=move, headers={**auth("marta"), "If-Match": '"1"'}
    )

    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    assert current.status_code == 200, current.text
    assert current.headers["ETag"] == '"2"'
    assert current.json()["version"] == 2


async def test_a_deal_is_changed_and_removed_only_at_the_version_read(leads: RunningService) -> None:
    lead = await a_lead(leads)
    deal_url = f"/leads/{lead['id']}/deals"
    added = await leads.http.post(
        deal_url,
        json={"name": "Racks", "pipeline_code": "sales", "stage_code": "discovery", "value": "100.00"},
        headers=auth("marta"),
    )
    assert (added.status_code, added.headers["ETag"], added.json()["version"]) == (201, '"1"', 1)
    deal = f"{deal_url}/{added.json()['id']}"

    changed = await leads.http.patch(deal, json={"stage_code": "closing"}, headers={**auth("marta"), "If-Match": '"1"'})
    stale_change = await leads.http.patch(deal, json={"value": "5.00"}, headers={**auth("marta"), "If-Match": '"1"'})
    stale_removal = await leads.http.delete(deal, headers={**auth("marta"), "If-Match": '"1"'})
    removed = await leads.http.delete(deal, headers={**auth("marta"), "If-Match": '"2"'})

    assert (changed.status_code, changed.headers["ETag"]) == (200, '"2"')
    assert stale_change.status_code == 412
    assert stale_removal.status_code == 412
    assert removed.status_code == 204


async def test_a_merge_checks_the_versions_of_both_leads(leads: RunningService) -> None:
    survivor, merged = await a_lead(leads), await a_lead(leads, name="Chairs")
    url = f"/leads/{survivor['id']}/merge"
    await leads.http.patch(f"/leads/{merged['id']}", json={"probability": 20}, headers=auth("marta"))

    stale_survivor = await leads.http.post(
        url, json={"merged_lead_id": merged["id"]}, headers={**auth("marta"), "If-Match": '"9"'}
    )
    stale_merged = await leads.http.post(
        url,
        json={"merged_lead_id": merged["id"], "merged_lead_version": 1},
        headers={**auth("marta"), "If-Match": '"1"'},
    )
    done = await leads.http.post(
        url,
        json={"merged_lead_id": merged["id"], "merged_lead_version": 2},
        headers={**auth("marta"), "If-Match": '"1"'},
    )

    assert stale_survivor.status_code == 412
    assert stale_merged.status_code == 412
    assert stale_merged.json()["errors"][0]["field"] == "merged_lead_version"
    assert done.status_code == 200, done.text


# A configuration change interleaved with a lead write


async def blocked_on_the_database(leads: RunningService) -> bool:
    runtime = leads.runtime
    if runtime.engine.dialect.name == "sqlite":
        # One writer at a time: the open transaction holds the writer's turn, so whether the other has queued
        # for it yet or not, it runs after the commit (or in the same group commit, after the first).
        return True
    async with runtime.read_sessions() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def interleaved(
    leads: RunningService,
    first: Callable[[LeadsUnitOfWork], Awaitable[Any]],
    second: Callable[[LeadsUnitOfWork], Awaitable[Any]],
) -> BaseException | None:
    """Runs ``first`` in a transaction left open while ``second`` starts in another; commits ``first`` once
    ``second`` waits, then lets ``second`` finish. What ``second`` raised (None: it committed)."""

    async def in_its_own_transaction() -> None:
        async with leads.runtime.unit_of_work() as uow:
            await second(uow)
            await uow.commit()

    async with leads.runtime.unit_of_work() as uow:
        await first(uow)
        late = asyncio.create_task(in_its_own_transaction())

        async def waiting() -> bool:
            if late.done():
                return True  # it did not wait: the assertions on the outcome will tell
            return await blocked_on_the_database(leads)

        await eventually(waiting, what="the second transaction waits for the first")
        await uow.commit()
    try:
        await late
    except (RuleViolation, Conflict) as refused:
        return refused
    return None


async def narrow_the_type(uow: LeadsUnitOfWork) -> None:
    await reference.update_lead_type(uow, "narrow", {"allowed_statuses": frozenset({"new", "won"})}, MARTA)


async def editable(leads: RunningService, lead_id: str) -> dict[str, Any]:
    response = await leads.http.patch(f"/leads/{lead_id}", json={"probability": 30}, headers=auth("marta"))
    assert response.status_code == 200, f"the lead cannot be edited any more: {response.text}"
    lead: dict[str, Any] = response.json()
    return lead


async def a_lead_of_a_narrowing_type(leads: RunningService) -> dict[str, Any]:
    created = await leads.http.post(
        "/lead-types",
        json={"code": "narrow", "name": "Narrow", "allowed_statuses": ["new", "qualification", "won"]},
        headers=auth("marta"),
    )
    assert created.status_code == 201, created.text
    return await a_lead(leads, type_code="narrow")


async def test_a_move_after_the_type_stopped_allowing_the_status_is_refused(leads: RunningService) -> None:
    lead = await a_lead_of_a_narrowing_type(leads)

    async def move(uow: LeadsUnitOfWork) -> None:
        await use_cases.change_status(uow, ChangeStatus(uuid.UUID(lead["id"]), "qualification"), MARTA)

    refused = await interleaved(leads, narrow_the_type, move)

    assert isinstance(refused, RuleViolation)
    assert refused.rule == "status_not_allowed_for_type"
    assert (await editable(leads, lead["id"]))["status_code"] == "new"


async def test_narrowing_the_type_after_a_move_into_the_status_is_refused(leads: RunningService) -> None:
    lead = await a_lead_of_a_narrowing_type(leads)

    async def move(uow: LeadsUnitOfWork) -> None:
        await use_cases.change_status(uow, ChangeStatus(uuid.UUID(lead["id"]), "qualification"), MARTA)

    refused = await interleaved(leads, move, narrow_the_type)

    assert isinstance(refused, Conflict)
    assert refused.rule == "status_in_use"
    assert (await editable(leads, lead["id"]))["status_code"] == "qualification"
    types = (await leads.http.get("/lead-types", headers=auth("marta"))).json()
    assert next(t for t in types if t["code"] == "narrow")["allowed_statuses"] == ["new", "qualification", "won"]


async def test_a_reference_item_removed_meanwhile_is_not_given_to_a_lead(leads: RunningService) -> None:
    added = await leads.http.post("/reference/product", json={"code": "desk", "name": "Desk"}, headers=auth("marta"))
    assert added.status_code == 201, added.text
    lead = await a_lead(leads)

    async def remove(uow: LeadsUnitOfWork) -> None:
        removal = await reference.remove_reference_item(uow, "product", "desk", MARTA)
        assert removal.deleted  # nothing used it when it was removed

    async def give(uow: LeadsUnitOfWork) -> None:
        await use_cases.edit_lead(
            uow, EditLead(uuid.UUID(lead["id"]), {"product_code": "desk"}), MARTA, phone_region="PL"
        )

    refused = await interleaved(leads, remove, give)

    assert isinstance(refused, RuleViolation)
    assert refused.rule == "unknown_product"
    assert (await editable(leads, lead["id"]))["product_code"] is None


async def test_a_reference_item_given_to_a_lead_meanwhile_is_archived_not_deleted(leads: RunningService) -> None:
    added = await leads.http.post("/reference/product", json={"code": "chair", "name": "Chair"}, headers=auth("marta"))
    assert added.status_code == 201, added.text
    lead = await a_lead(leads)
    removals: list[reference.ItemRemoval] = []

    async def give(uow: LeadsUnitOfWork) -> None:
        await use_cases.edit_lead(
            uow, EditLead(uuid.UUID(lead["id"]), {"product_code": "chair"}), MARTA, phone_region="PL"
        )

    async def remove(uow: LeadsUnitOfWork) -> None:
        removals.append(await reference.remove_reference_item(uow, "product", "chair", MARTA))

    assert await interleaved(leads, give, remove) is None
    assert not removals[0].deleted
    assert removals[0].item.archived
    assert (await editable(leads, lead["id"]))["product_code"] == "chair"
