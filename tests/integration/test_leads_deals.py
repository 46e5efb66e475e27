"""Deals worked as the Grade manual asks, against the real broker and a real database (SQLite, and PostgreSQL when
configured): a lead entered with its first deal, the pipeline board (columns, totals, filters, cards), moves
between stages with their rules, history and events, won and lost, each user's order of the cards, and the board's
totals kept as deals change."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.migrations import alembic_config, upgrade
from leadline.contracts.wire.events import (
    DealLostV1,
    DealStageChangedV1,
    DealWonV1,
    Event,
    LeadCreatedV1,
    LeadDealChangedV1,
)
from leadline.contracts.wire.topics import LEAD
from leadline.leads.adapters.board_totals import DealTotals
from leadline.leads.adapters.tables import deal_total_changes, deal_totals
from leadline.leads.adapters.tables import deals as deals_table
from leadline.leads.adapters.tables import leads as leads_table
from tests.support.http import ok
from tests.support.integration.leads import create, refusal
from tests.support.kafka import LocalKafka, headers_of, read_until
from tests.support.services import RunningService, auth, running_service

pytestmark = pytest.mark.kafka

MANAGER = auth("marta")
DEAL_EVENTS = (LeadCreatedV1, LeadDealChangedV1, DealStageChangedV1, DealWonV1, DealLostV1)


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def events_of(kafka: LocalKafka, namespace: str, lead_id: str, count: int) -> list[Event]:
    """The deal-related events about the lead, in the order they were published, once there are ``count``."""
    kinds = {kind.type: kind for kind in DEAL_EVENTS}

    def found(records: list[Any]) -> list[Event]:
        return [
            kinds[headers_of(r)["ce_type"]].model_validate_json(r.value or b"")
            for r in records
            if headers_of(r)["ce_type"] in kinds and headers_of(r)["ce_subject"] == lead_id
        ]

    return found(await read_until(kafka.bootstrap, LEAD, namespace, lambda records: len(found(records)) >= count))


async def add_deal(leads: RunningService, lead_id: str, user: str = "anna", **fields: Any) -> dict[str, Any]:
    body = {"name": "Racking", "pipeline_code": "sales", "stage_code": "discovery", "value": "100.00", **fields}
    deal: dict[str, Any] = ok(await leads.http.post(f"/leads/{lead_id}/deals", json=body, headers=auth(user)), 201)
    return deal


async def board(leads: RunningService, user: str = "anna", pipeline: str = "sales", **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(await leads.http.get(f"/pipelines/{pipeline}/board", params=params, headers=auth(user)))
    return found


def column(found: dict[str, Any], stage_code: str) -> dict[str, Any]:
    return next(c for c in found["columns"] if c["stage_code"] == stage_code)


def names(cards: list[dict[str, Any]]) -> list[str]:
    return [card["name"] for card in cards]


async def move(
    leads: RunningService,
    deal: dict[str, Any],
    stage_code: str,
    user: str = "anna",
    version: int | None = None,
    **at: Any,
) -> httpx.Response:
    headers = {**auth(user), **({"If-Match": f'"{version}"'} if version is not None else {})}
    return await leads.http.post(
        f"/pipelines/sales/cards/{deal['id']}/move", json={"stage_code": stage_code, **at}, headers=headers
    )


async def test_a_lead_and_its_first_deal_are_made_in_one_request_one_history_entry_and_both_events(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    deal_in = {"name": "Desks", "pipeline_code": "sales", "stage_code": "negotiation", "value": "98000.00"}
    lead = await create(leads, currency="EUR", deal=deal_in)

    deal = lead["deal"]
    assert (deal["name"], deal["stage_code"], deal["value"], deal["currency"], deal["outcome"]) == (
        "Desks",
        "negotiation",
        "98000.00",
        "EUR",
        None,
    )
    assert ok(await leads.http.get(f"/leads/{lead['id']}/deals", headers=auth("anna"))) == [deal]
    [entry] = ok(await leads.http.get(f"/leads/{lead['id']}/history", headers=auth("anna")))
    assert entry["action"] == "created"
    assert {"field": f"deals[{deal['id']}].stage_code", "old": None, "new": "negotiation"} in entry["changes"]
    assert {"field": "name", "old": "", "new": "Office fit-out"} in entry["changes"]
    created, added = await events_of(kafka, namespace, lead["id"], 2)
    assert isinstance(created, LeadCreatedV1)
    assert isinstance(added, LeadDealChangedV1)
    assert (added.change, added.deal_id, added.stage_code) == ("added", uuid.UUID(deal["id"]), "negotiation")

    # "+" on a kanban column takes a first deal too; one made in a closing stage is won from the start.
    won_in = {**deal_in, "stage_code": "won"}
    card = ok(
        await leads.http.post(
            "/kanban/columns/new/leads", json={"name": "Kiosk", "deal": won_in}, headers=auth("anna")
        ),
        201,
    )
    [won_deal] = ok(await leads.http.get(f"/leads/{card['id']}/deals", headers=auth("anna")))
    assert (won_deal["outcome"], won_deal["closed_at"]) == ("won", won_deal["created_at"])
    *_, won = await events_of(kafka, namespace, card["id"], 3)
    assert isinstance(won, DealWonV1)
    assert (won.deal_id, won.value, won.closed_by) == (uuid.UUID(won_deal["id"]), Decimal("98000.00"), "anna")


async def test_a_refused_first_deal_leaves_no_lead_and_names_its_field(leads: RunningService) -> None:
    valid = {"name": "Desks", "pipeline_code": "sales", "stage_code": "discovery", "value": "1.00"}
    await arrange_service_pipeline(leads)
    for changes, status, rule, field in [
        ({"stage_code": "visit"}, 422, "stage_not_in_pipeline", "deal.stage_code"),
        ({"pipeline_code": "nope"}, 422, "unknown_pipeline", "deal.pipeline_code"),
        ({"stage_code": "nope"}, 422, "unknown_stage", "deal.stage_code"),
        ({"value": "-1.00"}, 422, "negative_value", "deal.value"),
        ({"colour": "red"}, 422, "validation", "deal.colour"),
    ]:
        response = await leads.http.post(
            "/leads", json={"name": "Refused", "deal": {**valid, **changes}}, headers=auth("anna")
        )
        assert refusal(response) == (status, rule, field), response.text
    assert ok(await leads.http.get("/leads", headers=auth("anna")))["items"] == []


async def arrange_service_pipeline(leads: RunningService) -> None:
    """A second pipeline, made as a manager would, with a stage that carries a probability."""
    ok(await leads.http.post("/reference/pipeline", json={"code": "service", "name": "Service"}, headers=MANAGER), 201)
    stage = {"code": "visit", "name": "Site visit", "parent_code": "service", "probability": 30}
    assert ok(await leads.http.post("/reference/stage", json=stage, headers=MANAGER), 201)["probability"] == 30
    refused = await leads.http.post(
        "/reference/priority", json={"code": "x", "name": "X", "probability": 5}, headers=MANAGER
    )
    assert refusal(refused) == (422, "stage_only", "probability")


async def test_the_pipeline_board_has_a_column_per_stage_with_totals_cards_and_filters(leads: RunningService) -> None:
    partner = ok(await leads.http.post("/partners", json={"name": "Acme"}, headers=auth("anna")), 201)
    mine = await create(leads, priority_code="high", partner_id=partner["id"])
    service = await create(leads, type_code="service")
    piotrs = await create(leads, "piotr", name="Piotr's lead")
    racking = await add_deal(leads, mine["id"], name="Racking", value="100.00")
    await add_deal(leads, mine["id"], name="Shelves", value="50.00", currency="EUR", stage_code="negotiation")
    await add_deal(leads, service["id"], name="Service contract", value="300.00")
    await add_deal(leads, piotrs["id"], "piotr", name="Fleet", value="1000.00")
    await add_deal(leads, piotrs["id"], "piotr", name="Lost one", value="5.00", stage_code="lost")

    found = await board(leads)
    assert (found["pipeline_code"], found["name"], found["state"]) == ("sales", "Sales", "open")
    assert [(c["stage_code"], c["outcome"], c["probability"], c["count"], c["value"]) for c in found["columns"]] == [
        ("discovery", None, 20, 3, [{"currency": "PLN", "amount": "1400.00"}]),
        ("negotiation", None, 50, 1, [{"currency": "EUR", "amount": "50.00"}]),
        ("closing", None, 80, 0, []),
        ("won", "won", 100, 0, []),
        ("lost", "lost", 0, 0, []),
    ]
    assert names(column(found, "discovery")["cards"]) == ["Fleet", "Service contract", "Racking"]  # newest first
    card = next(c for c in column(found, "discovery")["cards"] if c["name"] == "Racking")
    assert card == {
        "id": racking["id"],
        "name": "Racking",
        "stage_code": "discovery",
        "value": {"currency": "PLN", "amount": "100.00"},
        "outcome": None,
        "closed_at": None,
        "stage_since": racking["stage_since"],
        "created_at": racking["created_at"],
        "lead": {"id": mine["id"], "name": "Office fit-out"},
        "partner": {"id": partner["id"], "name": "Acme"},
        "salesperson": {"id": "anna", "name": "Anna Nowak"},
        "priority": {"code": "high", "name": "High", "colour": "#ff9800"},
        "version": 1,
    }

    async def discovery(**params: Any) -> list[str]:
        return names(column(await board(leads, **params), "discovery")["cards"])

    assert await discovery(mine="true") == ["Service contract", "Racking"]
    assert await discovery(salesperson_id="piotr") == ["Fleet"]
    assert await discovery(type_code="service") == ["Service contract"]
    assert await discovery(partner_id=partner["id"]) == ["Racking"]
    assert await discovery(value_from="100.00", value_to="300.00") == ["Service contract", "Racking"]
    lost = await board(leads, state="lost")
    assert [(c["stage_code"], c["count"]) for c in lost["columns"] if c["count"]] == [("lost", 1)]
    assert names(column(lost, "lost")["cards"]) == ["Lost one"]
    assert column(await board(leads, salesperson_id="piotr"), "discovery")["value"] == [
        {"currency": "PLN", "amount": "1000.00"}
    ]
    page = ok(
        await leads.http.get("/pipelines/sales/stages/discovery/cards", params={"limit": 2}, headers=auth("anna"))
    )
    rest = ok(
        await leads.http.get(
            "/pipelines/sales/stages/discovery/cards", params={"cursor": page["next_cursor"]}, headers=auth("anna")
        )
    )
    assert (names(page["items"]), names(rest["items"]), rest["next_cursor"]) == (
        ["Fleet", "Service contract"],
        ["Racking"],
        None,
    )

    for path, params, status, field in [
        ("/pipelines/nope/board", {}, 404, "code"),
        ("/pipelines/sales/board", {"type_code": "nope"}, 422, "type_code"),
        ("/pipelines/sales/board", {"stage": "x"}, 422, "stage"),
        ("/pipelines/sales/board", {"state": "closed"}, 422, "state"),
        ("/pipelines/sales/board", {"value_from": "-1"}, 422, "value_from"),
        ("/pipelines/sales/board", {"value_from": "5", "value_to": "1"}, 422, "value_to"),
        ("/pipelines/sales/board", {"mine": "true", "salesperson_id": "piotr"}, 422, "salesperson_id"),
        ("/pipelines/sales/stages/visit/cards", {}, 404, "stage_code"),
    ]:
        response = await leads.http.get(path, params=params, headers=auth("anna"))
        assert (response.status_code, refusal(response)[2]) == (status, field), (path, params, response.text)


async def test_moving_a_deal_on_the_board_follows_every_rule_and_is_recorded_and_announced(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    await arrange_service_pipeline(leads)
    lead = await create(leads)
    deal = await add_deal(leads, lead["id"])

    stale = await move(leads, deal, "negotiation", version=7)
    assert (stale.status_code, refusal(stale)[1]) == (412, "stale_version")
    for stage, rule in (("visit", "stage_not_in_pipeline"), ("nope", "unknown_stage")):
        assert refusal(await move(leads, deal, stage)) == (422, rule, "stage_code")
    assert refusal(await move(leads, deal, "negotiation", user="piotr")) == (403, "not_your_lead", "salesperson_id")
    elsewhere = await leads.http.post(
        f"/pipelines/service/cards/{deal['id']}/move", json={"stage_code": "visit"}, headers=auth("anna")
    )
    assert refusal(elsewhere)[:2] == (404, "deal_not_on_board")

    won = ok(await move(leads, deal, "won", version=1))
    assert (won["stage_code"], won["outcome"], won["version"]) == ("won", "won", 2)
    assert won["closed_at"] == won["stage_since"]
    reopened = ok(await move(leads, won, "closing", version=2))
    assert (reopened["outcome"], reopened["closed_at"], reopened["version"]) == (None, None, 3)
    lost = ok(await move(leads, reopened, "lost", user="marta"))
    assert lost["outcome"] == "lost"

    history = ok(await leads.http.get(f"/leads/{lead['id']}/deals/{deal['id']}/history", headers=auth("anna")))
    assert [(h["action"], h["by"]) for h in history] == [
        ("deal_added", "anna"),
        ("deal_stage_changed", "anna"),
        ("deal_stage_changed", "anna"),
        ("deal_stage_changed", "marta"),
    ]
    field = f"deals[{deal['id']}]"
    assert history[1]["changes"] == [
        {"field": f"{field}.stage_code", "old": "discovery", "new": "won"},
        {"field": f"{field}.outcome", "old": None, "new": "won"},
        {"field": f"{field}.closed_at", "old": None, "new": won["closed_at"].replace("Z", "+00:00")},
    ]
    missing = await leads.http.get(f"/leads/{lead['id']}/deals/{uuid.uuid4()}/history", headers=auth("anna"))
    assert refusal(missing)[:2] == (404, "deal_not_found")

    announced = [e for e in await events_of(kafka, namespace, lead["id"], 9) if not isinstance(e, LeadCreatedV1)]
    assert [type(e).__name__ for e in announced] == [
        "LeadDealChangedV1",
        "LeadDealChangedV1",
        "DealStageChangedV1",
        "DealWonV1",
        "LeadDealChangedV1",
        "DealStageChangedV1",
        "LeadDealChangedV1",
        "DealStageChangedV1",
        "DealLostV1",
    ]
    moves = [(e.from_stage_code, e.to_stage_code, e.outcome) for e in announced if isinstance(e, DealStageChangedV1)]
    assert moves == [("discovery", "won", "won"), ("won", "closing", None), ("closing", "lost", "lost")]

    # An archived stage stays a column while deals are in it, and takes no new one.
    shelved = {"code": "shelved", "name": "Shelved", "parent_code": "sales", "sort_order": 15}
    ok(await leads.http.post("/reference/stage", json=shelved, headers=MANAGER), 201)
    kept = await add_deal(leads, lead["id"], name="Kept", stage_code="shelved")
    assert ok(await leads.http.delete("/reference/stage/shelved", headers=MANAGER))["outcome"] == "archived"
    assert [c["stage_code"] for c in (await board(leads))["columns"]][:2] == ["discovery", "shelved"]
    assert refusal(await move(leads, deal, "shelved")) == (422, "archived_stage", "stage_code")
    ok(await move(leads, kept, "discovery"))
    assert "shelved" not in [c["stage_code"] for c in (await board(leads))["columns"]]


async def test_each_user_keeps_their_own_order_of_the_cards_in_a_stage(leads: RunningService) -> None:
    lead = await create(leads)
    first, second, third = [await add_deal(leads, lead["id"], name=name) for name in ("First", "Second", "Third")]

    async def order(user: str) -> list[str]:
        return names(column(await board(leads, user), "discovery")["cards"])

    assert await order("anna") == ["Third", "Second", "First"]
    ok(await move(leads, first, "discovery", before_deal_id=third["id"]))
    ok(await move(leads, second, "discovery", after_deal_id=third["id"]))
    assert await order("anna") == ["First", "Third", "Second"]
    assert await order("piotr") == ["Third", "Second", "First"]  # reordering is the user's own view
    ok(await move(leads, third, "negotiation"))
    assert await order("anna") == ["First", "Second"]
    both = await move(leads, first, "discovery", before_deal_id=second["id"], after_deal_id=second["id"])
    assert refusal(both) == (422, "one_neighbour", "after_deal_id")
    elsewhere = await move(leads, first, "discovery", after_deal_id=third["id"])
    assert refusal(elsewhere) == (422, "not_in_column", "after_deal_id")


# Every board the totals may be asked for: (state, salesperson, lead type).
TOTALS_ASKED = [
    (state, salesperson, lead_type)
    for state in ("open", "won", "lost")
    for salesperson in (None, "anna", "piotr")
    for lead_type in (None, "sale", "service")
]


async def assert_deal_totals_are_exact(leads: RunningService) -> None:
    """The kept totals equal the deals counted afresh with changes pending, and again once they are folded in;
    folded, no row is left that counts nothing."""

    async def afresh(state: str, salesperson: str | None, lead_type: str | None) -> set[tuple[Any, ...]]:
        outcome = deals_table.c.outcome.is_(None) if state == "open" else deals_table.c.outcome == state
        query = select(deals_table.c.stage_code, deals_table.c.currency, func.count(), func.sum(deals_table.c.value))
        query = query.where(deals_table.c.pipeline_code == "sales", outcome)
        if salesperson is not None:
            query = query.where(deals_table.c.salesperson_id == salesperson)
        if lead_type is not None:
            query = query.where(deals_table.c.lead_type_code == lead_type)
        rows = (await session.execute(query.group_by(deals_table.c.stage_code, deals_table.c.currency))).all()
        return {
            (stage, currency, count, Decimal(value).quantize(Decimal("0.01"))) for stage, currency, count, value in rows
        }

    for _ in range(2):
        async with leads.runtime.sessions() as session:
            for state, salesperson, lead_type in TOTALS_ASKED:
                kept = await DealTotals(session).per_stage_and_currency(
                    "sales", state, salesperson_id=salesperson, lead_type_code=lead_type
                )
                assert {(t.stage_code, t.currency, t.count, t.value) for t in kept} == await afresh(
                    state, salesperson, lead_type
                ), (state, salesperson, lead_type)
        async with leads.runtime.unit_of_work() as uow:
            await uow.deal_totals.fold()
            await uow.commit()
    async with leads.runtime.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(deal_total_changes))).scalar_one() == 0
        assert (await session.execute(select(func.min(deal_totals.c.deals)))).scalar_one() != 0


async def test_the_board_totals_follow_every_kind_of_deal_write(leads: RunningService) -> None:
    annas, service = await create(leads), await create(leads, type_code="service")
    piotrs = await create(leads, "piotr", name="Piotr's lead")
    racking = await add_deal(leads, annas["id"], value="100.10")
    shelves = await add_deal(leads, annas["id"], name="Shelves", value="50.00", currency="EUR")
    fleet = await add_deal(leads, piotrs["id"], "piotr", name="Fleet", value="1000.00", stage_code="negotiation")
    contract = await add_deal(leads, service["id"], name="Contract", value="300.00")
    await add_deal(leads, piotrs["id"], "piotr", name="Lost one", value="5.00", stage_code="lost")
    await assert_deal_totals_are_exact(leads)

    deal_path = f"/leads/{annas['id']}/deals"
    ok(await leads.http.patch(f"{deal_path}/{racking['id']}", json={"value": "120.00"}, headers=auth("anna")))
    ok(await leads.http.patch(f"{deal_path}/{shelves['id']}", json={"currency": "USD"}, headers=auth("anna")))
    ok(await move(leads, fleet, "won", "piotr"))
    ok(await move(leads, contract, "closing"))
    await assert_deal_totals_are_exact(leads)

    # The lead's salesperson and type are copied onto its deals: the totals follow them.
    ok(await leads.http.patch(f"/leads/{annas['id']}", json={"salesperson_id": "piotr"}, headers=MANAGER))
    ok(await leads.http.patch(f"/leads/{service['id']}", json={"type_code": "sale"}, headers=auth("anna")))
    ok(await move(leads, fleet, "discovery", "piotr"))  # reopened
    ok(await leads.http.delete(f"{deal_path}/{shelves['id']}", headers=MANAGER), 204)
    await assert_deal_totals_are_exact(leads)

    # Written by hand, past the application: the triggers still see it.
    async with leads.runtime.sessions() as session, session.begin():
        await session.execute(update(deals_table).values(value=deals_table.c.value + Decimal("0.01")))
        await session.execute(delete(deals_table).where(deals_table.c.id == uuid.UUID(racking["id"])))
    await assert_deal_totals_are_exact(leads)


async def test_the_migration_counts_the_deals_already_there(database_url: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config("leadline.leads", database_url), "0017")
    engine = create_engine(database_url)
    try:
        now, lead_id = datetime.now(UTC), uuid.uuid4()
        old_deals = [  # stage, outcome, value, currency, salesperson
            ("discovery", None, Decimal("100.10"), "PLN", "anna"),
            ("discovery", None, Decimal("0.05"), "PLN", None),
            ("discovery", None, Decimal("5.00"), "EUR", "anna"),
            ("won", "won", Decimal("1000.00"), "PLN", "anna"),
        ]
        async with engine.begin() as connection:
            await connection.execute(
                insert(leads_table),
                {
                    "id": lead_id,
                    "name": "Old lead",
                    "status_code": "new",
                    "type_code": "sale",
                    "currency": "PLN",
                    "closed": False,
                    **dict.fromkeys(("status_since", "lead_date", "created_at", "updated_at"), now),
                    **dict.fromkeys(("created_by", "updated_by"), "anna"),
                    "version": 1,
                },
            )
            await connection.execute(
                insert(deals_table),
                [
                    {
                        "id": uuid.uuid4(),
                        "lead_id": lead_id,
                        "name": "Old deal",
                        "pipeline_code": "sales",
                        "stage_code": stage,
                        "outcome": outcome,
                        "value": value,
                        "currency": currency,
                        "salesperson_id": salesperson,
                        "lead_type_code": "sale",
                        **dict.fromkeys(("created_at", "stage_since"), now),
                    }
                    for stage, outcome, value, currency, salesperson in old_deals
                ],
            )
        await asyncio.to_thread(upgrade, "leadline.leads", database_url)
        async with AsyncSession(engine) as session:

            async def kept(state: str, salesperson_id: str | None = None) -> set[tuple[Any, ...]]:
                found = await DealTotals(session).per_stage_and_currency(
                    "sales", state, salesperson_id=salesperson_id, lead_type_code=None
                )
                return {(t.stage_code, t.currency, t.count, t.value) for t in found}

            assert await kept("open") == {
                ("discovery", "PLN", 2, Decimal("100.15")),
                ("discovery", "EUR", 1, Decimal("5.00")),
            }
            assert await kept("open", "anna") == {
                ("discovery", "PLN", 1, Decimal("100.10")),
                ("discovery", "EUR", 1, Decimal("5.00")),
            }
            assert await kept("won") == {("won", "PLN", 1, Decimal("1000.00"))}
            assert await kept("lost") == set()
    finally:
        await engine.dispose()
