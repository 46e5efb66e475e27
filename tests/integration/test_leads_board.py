"""The lead list (every filter and sort, pages), the daily-routine views and the kanban board, over HTTP
against the real broker and a real database (SQLite, and PostgreSQL when configured).

One small, deliberate data set (``seeded``) so every answer can be stated exactly: which leads, in which order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, update

from leadline.leads.adapters import queries
from leadline.leads.adapters.configuration_cache import configuration_changed
from leadline.leads.adapters.tables import leads, partners, reference_items
from tests.support.kafka import LocalKafka
from tests.support.services import RunningService, auth, running_service

pytestmark = pytest.mark.kafka

ACME, BOLT = uuid.uuid4(), uuid.uuid4()
# The year of the leads expected to close in the future (foxtrot, bravo, then delta the year after): counted from
# today, so that bravo's close never becomes overdue, and the filters and sorts keep their order.
LATER = datetime.now(UTC).year + 4


@pytest.fixture
async def service(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


@dataclass
class Seeded:
    """The data set, by lead name: created in this order, so newest first is the reverse."""

    service: RunningService
    ids: dict[str, str]

    def names(self, found: list[Mapping[str, Any]]) -> list[str]:
        by_id = {lead_id: name for name, lead_id in self.ids.items()}
        return [by_id[item["id"]] for item in found]

    async def listed(self, path: str, user: str = "anna", **params: Any) -> list[str]:
        response = await self.service.http.get(path, params={"limit": 200, **params}, headers=auth(user))
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return self.names(response.json()["items"])


async def _direct(service: RunningService, *statements: Any) -> None:
    """What this test needs that other parts of the API own (partners, employees, campaigns, old dates)."""
    async with service.runtime.sessions() as session, session.begin():
        for statement in statements:
            await session.execute(statement)
        await configuration_changed(session)


async def _create(service: RunningService, user: str, **fields: Any) -> str:
    response = await service.http.post("/leads", json=fields, headers=auth(user))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _patch(service: RunningService, lead_id: str, user: str, **fields: Any) -> None:
    response = await service.http.patch(f"/leads/{lead_id}", json=fields, headers=auth(user))
    assert response.status_code == 200, response.text


@pytest.fixture
async def seeded(service: RunningService) -> Seeded:
    await _direct(
        service,
        insert(partners).values(
            [
                {"id": ACME, "name": "Acme Logistics", "archived": False, "version": 1},
                {"id": BOLT, "name": "Bolt Builders", "archived": False, "version": 1},
            ]
        ),
        insert(reference_items).values(
            kind="campaign", code="spring-fair", name="Spring fair", sort_order=10, archived=False
        ),
    )
    ids: dict[str, str] = {}
    ids["alpha"] = await _create(
        service,
        "anna",
        name="Alpha racking",
        priority_code="high",
        tags=["vip"],
        source_code="website",
        channel_code="inbound",
        campaign_code="spring-fair",
        partner_id=str(ACME),
        expected_revenue="100.00",
        currency="PLN",
        expected_close="2020-01-10",
        lead_date="2026-01-05T09:00:00Z",
        phone="601 234 567",
        email="buyer@acme.example",
        description="Needs racking",
    )
    ids["bravo"] = await _create(
        service,
        "anna",
        name="Bravo fit-out",
        type_code="service",
        priority_code="normal",
        tags=["hot"],
        source_code="phone",
        channel_code="outbound",
        partner_id=str(BOLT),
        expected_revenue="250.00",
        currency="EUR",
        expected_close=f"{LATER}-06-30",
        lead_date="2026-02-10T09:00:00Z",
    )
    ids["charlie"] = await _create(
        service,
        "piotr",
        name="Charlie lease",
        priority_code="urgent",
        tags=["vip", "hot"],
        source_code="referral",
        expected_revenue="75.50",
        currency="PLN",
        lead_date="2026-03-15T09:00:00Z",
        email="ceo@charlie.example",
        description="Lease of five cars",
    )
    ids["delta"] = await _create(
        service,
        "marta",
        name="Delta service",
        type_code="service",
        status_code="qualification",
        salesperson_id=None,
        expected_close=f"{LATER + 1}-01-01",
        lead_date="2026-01-20T09:00:00Z",
        description="Yearly check",
    )
    ids["echo"] = await _create(
        service,
        "piotr",
        name="Echo audit",
        expected_revenue="500.00",
        currency="PLN",
        expected_close="2026-05-01",
        lead_date="2025-12-01T09:00:00Z",
        description="Audit",
    )
    won = await service.http.post(f"/leads/{ids['echo']}/status", json={"status_code": "won"}, headers=auth("piotr"))
    assert won.status_code == 200, won.text
    ids["foxtrot"] = await _create(
        service,
        "anna",
        name="Foxtrot kiosk",
        status_code="proposal",
        partner_id=str(ACME),
        expected_revenue="100.00",
        currency="PLN",
        expected_close=f"{LATER}-01-15",
        lead_date="2026-02-01T09:00:00Z",
        phone="+48 602 000 111",
        description="  ",
    )
    # Edited last, so they lead by updated_at: alpha, then charlie.
    await _patch(service, ids["charlie"], "piotr", probability=50)
    await _patch(service, ids["alpha"], "anna", probability=20)
    return Seeded(service, ids)


NEWEST_FIRST = ["foxtrot", "echo", "delta", "charlie", "bravo", "alpha"]

FILTERS: list[tuple[dict[str, Any], list[str]]] = [
    ({}, NEWEST_FIRST),
    ({"view": "open"}, ["foxtrot", "delta", "charlie", "bravo", "alpha"]),
    ({"view": "closed"}, ["echo"]),
    ({"mine": "true"}, ["foxtrot", "bravo", "alpha"]),
    ({"mine": "true", "salesperson_id": "anna"}, ["foxtrot", "bravo", "alpha"]),
    ({"type_code": "service"}, ["delta", "bravo"]),
    ({"status_code": "new"}, ["charlie", "bravo", "alpha"]),
    ({"status_code": "proposal"}, ["foxtrot"]),
    ({"salesperson_id": "piotr"}, ["echo", "charlie"]),
    ({"priority_code": "urgent"}, ["charlie"]),
    ({"partner_id": str(ACME)}, ["foxtrot", "alpha"]),
    ({"tag": "vip"}, ["charlie", "alpha"]),
    ({"tag": "hot"}, ["charlie", "bravo"]),
    ({"source_code": "referral"}, ["charlie"]),
    ({"campaign_code": "spring-fair"}, ["alpha"]),
    ({"channel_code": "outbound"}, ["bravo"]),
    ({"created_by": "marta"}, ["delta"]),
    ({"created_by": "piotr"}, ["echo", "charlie"]),
    ({"lead_date_from": "2026-01-20", "lead_date_to": "2026-02-10"}, ["foxtrot", "delta", "bravo"]),
    ({"lead_date_from": "2026-03-01"}, ["charlie"]),
    ({"expected_close_from": f"{LATER}-01-01", "expected_close_to": f"{LATER}-12-31"}, ["foxtrot", "bravo"]),
    ({"expected_close_to": "2026-12-31"}, ["echo", "alpha"]),
    ({"q": "acme"}, ["foxtrot", "alpha"]),  # partner name, and alpha's e-mail
    ({"q": "CHARLIE"}, ["charlie"]),
    ({"q": "Kiosk"}, ["foxtrot"]),
    ({"q": "601 234"}, ["alpha"]),  # a phone, by its digits
    ({"q": "0048 602-000"}, ["foxtrot"]),
    ({"q": "_"}, []),  # a character here, not the one-character wildcard
    ({"mine": "true", "view": "open", "tag": "vip"}, ["alpha"]),
]


async def test_every_filter_lists_exactly_its_leads_newest_first(seeded: Seeded) -> None:
    # One service for every filter: a loop rather than a parametrised test keeps the run short.
    for params, expected in FILTERS:
        assert await seeded.listed("/leads", **params) == expected, params


async def test_free_text_finds_the_same_leads_through_the_index_or_by_walking_the_list(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a text few leads hold is looked up in the trigram index, a common one walked for."""
    monkeypatch.setattr(queries, "FEW_ENOUGH_TO_SORT", 0)  # every text counts as common
    for params, expected in FILTERS:
        if "q" in params:
            assert await seeded.listed("/leads", **params) == expected, params


async def test_free_text_follows_edits_and_deletes(seeded: Seeded) -> None:
    """On SQLite free text reads a trigram index that triggers keep; it must see every change."""
    ids = seeded.ids
    await _patch(seeded.service, ids["bravo"], "anna", name='Bravo "quoted" brewery', email="Orders@Hops.example")
    assert await seeded.listed("/leads", q="BREWERY") == ["bravo"]
    assert await seeded.listed("/leads", q='"quoted"') == ["bravo"]
    assert await seeded.listed("/leads", q="hops.EXAMPLE") == ["bravo"]
    assert await seeded.listed("/leads", q="Bravo") == ["bravo"]
    await _patch(seeded.service, ids["bravo"], "anna", name="Renamed", email=None)
    assert await seeded.listed("/leads", q="brewery") == []
    assert await seeded.listed("/leads", q="hops") == []
    assert await seeded.listed("/leads", q="ch") == ["echo", "charlie"]  # shorter than a trigram: scanned for

    deleted = await seeded.service.http.delete(f"/leads/{ids['delta']}", headers=auth("marta"))
    assert deleted.status_code == 204, deleted.text
    assert await seeded.listed("/leads", q="delta") == []


async def test_every_sort_in_both_directions(seeded: Seeded) -> None:
    ids = seeded.ids
    # alpha and foxtrot expect the same revenue: the id breaks the tie.
    tie = sorted(["alpha", "foxtrot"], key=lambda name: uuid.UUID(ids[name]))
    expected = {
        ("created_at", None): NEWEST_FIRST,
        ("created_at", "asc"): NEWEST_FIRST[::-1],
        ("lead_date", None): ["charlie", "bravo", "foxtrot", "delta", "alpha", "echo"],
        ("lead_date", "asc"): ["echo", "alpha", "delta", "foxtrot", "bravo", "charlie"],
        ("expected_close", None): ["alpha", "echo", "foxtrot", "bravo", "delta", "charlie"],
        ("expected_close", "desc"): ["delta", "bravo", "foxtrot", "echo", "alpha", "charlie"],
        ("expected_revenue", None): ["echo", "bravo", *tie[::-1], "charlie", "delta"],
        ("expected_revenue", "asc"): ["charlie", *tie, "bravo", "echo", "delta"],
        ("name", None): ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
        ("name", "desc"): ["foxtrot", "echo", "delta", "charlie", "bravo", "alpha"],
        ("updated_at", None): ["alpha", "charlie", "foxtrot", "echo", "delta", "bravo"],
        ("updated_at", "asc"): ["bravo", "delta", "echo", "foxtrot", "charlie", "alpha"],
    }
    for (sort, order), names in expected.items():
        params = {"sort": sort, **({"order": order} if order else {})}
        assert await seeded.listed("/leads", **params) == names, params


async def test_pages_hold_every_lead_once_in_every_order(seeded: Seeded) -> None:
    http = seeded.service.http
    for sort in ("created_at", "lead_date", "expected_close", "expected_revenue", "name", "updated_at"):
        for order in ("asc", "desc"):
            whole = await seeded.listed("/leads", sort=sort, order=order)
            paged: list[str] = []
            cursor: str | None = None
            while True:
                params = {"sort": sort, "order": order, "limit": 2, **({"cursor": cursor} if cursor else {})}
                page = (await http.get("/leads", params=params, headers=auth("anna"))).json()
                paged += seeded.names(page["items"])
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert paged == whole, (sort, order)

    first = (await http.get("/leads", params={"sort": "name", "limit": 2}, headers=auth("anna"))).json()
    other_order = await http.get(
        "/leads", params={"sort": "lead_date", "cursor": first["next_cursor"]}, headers=auth("anna")
    )
    assert other_order.status_code == 422
    assert other_order.json()["errors"][0]["field"] == "cursor"


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"sort": "foo"}, "sort"),
    ({"order": "up"}, "order"),
    ({"view": "archived"}, "view"),
    ({"statuscode": "new"}, "statuscode"),
    ({"status_code": "nope"}, "status_code"),
    ({"type_code": "nope"}, "type_code"),
    ({"tag": "nope"}, "tag"),
    ({"priority_code": "nope"}, "priority_code"),
    ({"lead_date_from": "yesterday"}, "lead_date_from"),
    ({"limit": 0}, "limit"),
    ({"mine": "true", "salesperson_id": "piotr"}, "salesperson_id"),
    ({"cursor": "not a cursor"}, "cursor"),
]


async def test_an_unknown_parameter_or_value_is_refused_naming_it(service: RunningService) -> None:
    for params, field in REFUSED:
        refused = await service.http.get("/leads", params=params, headers=auth("anna"))

        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field], params


async def test_daily_routine_views(seeded: Seeded) -> None:
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    await _direct(
        seeded.service,
        update(leads)
        .where(leads.c.id.in_([uuid.UUID(seeded.ids["alpha"]), uuid.UUID(seeded.ids["echo"])]))
        .values(status_since=ten_days_ago),
    )

    assert await seeded.listed("/leads/routine/without-expected-close") == ["charlie"]
    assert await seeded.listed("/leads/routine/without-description") == ["foxtrot", "bravo"]
    assert await seeded.listed("/leads/routine/without-salesperson") == ["delta"]
    assert await seeded.listed("/leads/routine/stuck", days=7) == ["alpha"]  # echo is closed
    assert await seeded.listed("/leads/routine/stuck", days=30) == []
    assert await seeded.listed("/leads/routine/without-description", mine="true", sort="name") == ["bravo", "foxtrot"]
    missing_days = await seeded.service.http.get("/leads/routine/stuck", headers=auth("anna"))
    assert missing_days.status_code == 422
    assert missing_days.json()["errors"][0]["field"] == "days"


def _column(board: dict[str, Any], status_code: str) -> dict[str, Any]:
    return next(column for column in board["columns"] if column["status_code"] == status_code)


async def _board(seeded: Seeded, user: str = "anna", **params: Any) -> dict[str, Any]:
    response = await seeded.service.http.get("/kanban", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    board: dict[str, Any] = response.json()
    return board


async def _column_names(seeded: Seeded, user: str, status_code: str) -> list[str]:
    return seeded.names(_column(await _board(seeded, user), status_code)["cards"])


async def test_board_columns_count_and_sum_per_currency(seeded: Seeded) -> None:
    board = await _board(seeded)
    assert [(c["status_code"], c["name"], c["count"], c["revenue"]) for c in board["columns"]] == [
        ("new", "New", 3, [{"currency": "EUR", "amount": "250.00"}, {"currency": "PLN", "amount": "175.50"}]),
        ("qualification", "Qualification", 1, []),
        ("proposal", "Proposal", 1, [{"currency": "PLN", "amount": "100.00"}]),
    ]
    assert seeded.names(_column(board, "new")["cards"]) == ["charlie", "bravo", "alpha"]

    service_board = await _board(seeded, type_code="service")
    assert [(c["status_code"], c["count"], c["revenue"]) for c in service_board["columns"]] == [
        ("new", 1, [{"currency": "EUR", "amount": "250.00"}]),
        ("qualification", 1, []),
    ]
    unknown = await seeded.service.http.get("/kanban", params={"type_code": "nope"}, headers=auth("anna"))
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "type_code")


async def test_a_card_shows_what_the_spec_lists(seeded: Seeded) -> None:
    cards = {card["name"]: card for card in _column(await _board(seeded), "new")["cards"]}
    alpha = cards["Alpha racking"]
    assert alpha == {
        "id": seeded.ids["alpha"],
        "title": "Sale : Alpha racking",
        "name": "Alpha racking",
        "type_code": "sale",
        "status_code": "new",
        "created_at": alpha["created_at"],
        "partner": {"id": str(ACME), "name": "Acme Logistics"},
        "expected_revenue": {"currency": "PLN", "amount": "100.00"},
        "tags": [{"code": "vip", "name": "VIP", "colour": "#9c27b0"}],
        "salesperson": {"id": "anna", "name": "Anna Nowak"},
        "expected_close": "2020-01-10",
        "overdue": True,
        "next_step": None,
        "next_step_at": None,
        "next_step_overdue": False,
        "priority": {"code": "high", "name": "High", "colour": "#ff9800"},
        "version": 2,
    }
    assert datetime.fromisoformat(alpha["created_at"]) < datetime.now(UTC)
    bravo, charlie = cards["Bravo fit-out"], cards["Charlie lease"]
    assert (bravo["title"], bravo["overdue"], bravo["expected_revenue"]) == (
        "Service : Bravo fit-out",
        False,
        {"currency": "EUR", "amount": "250.00"},
    )
    assert [tag["code"] for tag in charlie["tags"]] == ["hot", "vip"]
    assert (charlie["partner"], charlie["salesperson"], charlie["expected_close"], charlie["overdue"]) == (
        None,
        {"id": "piotr", "name": "Piotr Zieliński"},
        None,
        False,
    )
    delta = _column(await _board(seeded), "qualification")["cards"][0]
    assert (delta["salesperson"], delta["priority"], delta["expected_revenue"]) == (None, None, None)


async def _move(seeded: Seeded, user: str, lead: str, status_code: str, **neighbour: str) -> httpx.Response:
    body = {"status_code": status_code, **{key: seeded.ids[name] for key, name in neighbour.items()}}
    return await seeded.service.http.post(f"/kanban/cards/{seeded.ids[lead]}/move", json=body, headers=auth(user))


async def test_moving_a_card_changes_its_status_with_every_rule(seeded: Seeded) -> None:
    moved = await _move(seeded, "anna", "alpha", "proposal", before_lead_id="foxtrot")
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status_code"], moved.json()["version"]) == ("proposal", 3)
    lead = (await seeded.service.http.get(f"/leads/{seeded.ids['alpha']}", headers=auth("anna"))).json()
    assert lead["status_code"] == "proposal"
    assert [(c["status_code"], c["count"]) for c in (await _board(seeded))["columns"]] == [
        ("new", 2),
        ("qualification", 1),
        ("proposal", 2),
    ]

    not_for_type = await _move(seeded, "anna", "bravo", "proposal")
    assert not_for_type.status_code == 422
    assert not_for_type.json()["errors"][0]["field"] == "status_code"
    assert "Proposal" in not_for_type.json()["detail"]
    assert "Service" in not_for_type.json()["detail"]

    not_yours = await _move(seeded, "anna", "charlie", "qualification")
    assert not_yours.status_code == 403
    assert not_yours.json()["errors"][0]["rule"] == "not_your_lead"

    elsewhere = await _move(seeded, "anna", "bravo", "new", after_lead_id="foxtrot")
    assert (elsewhere.status_code, elsewhere.json()["errors"][0]["field"]) == (422, "after_lead_id")
    both = await _move(seeded, "anna", "bravo", "new", after_lead_id="charlie", before_lead_id="alpha")
    assert (both.status_code, both.json()["errors"][0]["rule"]) == (422, "one_neighbour")
    closing = await _move(seeded, "anna", "foxtrot", "won")
    assert closing.status_code == 200
    assert "foxtrot" not in await _column_names(seeded, "anna", "proposal")


async def test_each_user_keeps_an_order_of_their_own(seeded: Seeded) -> None:
    assert (await _move(seeded, "anna", "alpha", "proposal", before_lead_id="foxtrot")).status_code == 200
    assert await _column_names(seeded, "anna", "proposal") == ["alpha", "foxtrot"]
    assert await _column_names(seeded, "piotr", "proposal") == ["foxtrot", "alpha"]  # newest first

    # Reordering inside a column changes no lead, so anna may reorder piotr's card in her view.
    assert (await _move(seeded, "anna", "charlie", "new", after_lead_id="bravo")).status_code == 200
    assert await _column_names(seeded, "anna", "new") == ["bravo", "charlie"]
    assert await _column_names(seeded, "piotr", "new") == ["charlie", "bravo"]

    golf = await seeded.service.http.post("/kanban/columns/new/leads", json={"name": "Golf"}, headers=auth("anna"))
    seeded.ids["golf"] = golf.json()["id"]
    assert await _column_names(seeded, "anna", "new") == ["bravo", "charlie", "golf"]  # placed ones first
    assert await _column_names(seeded, "piotr", "new") == ["golf", "charlie", "bravo"]
    assert (await _move(seeded, "anna", "golf", "new", before_lead_id="charlie")).status_code == 200
    assert (await _move(seeded, "piotr", "bravo", "new")).status_code == 200  # no neighbour: to the top
    assert await _column_names(seeded, "anna", "new") == ["bravo", "golf", "charlie"]
    assert await _column_names(seeded, "piotr", "new") == ["bravo", "golf", "charlie"]
    assert (await _move(seeded, "piotr", "golf", "new", after_lead_id="charlie")).status_code == 200
    assert await _column_names(seeded, "piotr", "new") == ["bravo", "charlie", "golf"]
    assert await _column_names(seeded, "anna", "new") == ["bravo", "golf", "charlie"]


async def test_a_column_pages_through_its_cards_in_the_users_order(seeded: Seeded) -> None:
    http = seeded.service.http
    for name in ("hotel", "india", "juliett"):
        seeded.ids[name] = await _create(seeded.service, "anna", name=name.title())
    assert (await _move(seeded, "anna", "bravo", "new", before_lead_id="juliett")).status_code == 200
    whole = await _column_names(seeded, "anna", "new")
    assert whole == ["bravo", "juliett", "india", "hotel", "charlie", "alpha"]

    for limit in (1, 2):  # a page ending among the cards anna placed, and one ending among the others
        board = await _board(seeded, limit=limit)
        paged = seeded.names(_column(board, "new")["cards"])
        cursor = _column(board, "new")["next_cursor"]
        while cursor:
            params = {"limit": limit, "cursor": cursor}
            page = (await http.get("/kanban/columns/new/cards", params=params, headers=auth("anna"))).json()
            paged += seeded.names(page["items"])
            cursor = page["next_cursor"]
        assert paged == whole, limit

    service_only = await http.get("/kanban/columns/new/cards", params={"type_code": "service"}, headers=auth("anna"))
    assert seeded.names(service_only.json()["items"]) == ["bravo"]
    for status_code in ("won", "nope"):
        missing = await http.get(f"/kanban/columns/{status_code}/cards", headers=auth("anna"))
        assert missing.status_code == 404, status_code
    proposal_of_service = await http.get(
        "/kanban/columns/proposal/cards", params={"type_code": "service"}, headers=auth("anna")
    )
    assert proposal_of_service.status_code == 404


async def test_plus_on_a_column_creates_a_lead_in_its_status(seeded: Seeded) -> None:
    http = seeded.service.http
    created = await http.post(
        "/kanban/columns/qualification/leads",
        json={"name": "Kilo", "type_code": "service", "tags": ["hot"]},
        headers=auth("piotr"),
    )
    assert created.status_code == 201, created.text
    card = created.json()
    assert (card["title"], card["status_code"], card["salesperson"]) == (
        "Service : Kilo",
        "qualification",
        {"id": "piotr", "name": "Piotr Zieliński"},
    )
    assert created.headers["Location"] == f"/leads/{card['id']}"
    assert _column(await _board(seeded), "qualification")["count"] == 2

    refusals = [
        ("won", {"name": "Lima"}, "not_a_column"),
        ("proposal", {"name": "Lima", "type_code": "service"}, "status_not_allowed_for_type"),
        ("new", {"name": "Lima", "status_code": "proposal"}, "status_differs_from_column"),
        ("nope", {"name": "Lima"}, "unknown_status"),
    ]
    for status_code, body, rule in refusals:
        refused = await http.post(f"/kanban/columns/{status_code}/leads", json=body, headers=auth("piotr"))
        assert refused.status_code == 422, (status_code, refused.text)
        assert refused.json()["errors"][0] == {
            "field": "status_code",
            "rule": rule,
            "message": refused.json()["detail"],
        }


async def test_salesperson_candidates_are_employees_who_hold_open_leads(seeded: Seeded) -> None:
    response = await seeded.service.http.get("/kanban/salesperson-candidates", headers=auth("anna"))
    assert response.status_code == 200, response.text
    # marta holds none (delta has no salesperson); piotr's echo is closed.
    assert response.json() == [
        {"id": "anna", "name": "Anna Nowak", "open_leads": 3},
        {"id": "piotr", "name": "Piotr Zieliński", "open_leads": 1},
    ]
