"""Benchmark of the lead list, the daily-routine views, the kanban board and the pipeline board on a large data set.

Seeds a migrated database with N leads of realistic shape (statuses by age, skewed salespeople,
partners, tags, dates, revenues in three currencies, next steps, about as many deals in two pipelines) through
SQLAlchemy Core bulk inserts, then
times the read use cases the HTTP API runs (leadline.leads.service.queries over adapters/queries.py)
and writes p50/p95/p99 per query to reports/bench-lead-queries-<db>.json, with each query's plan.

    .venv/bin/python -m tests.bench.lead_queries                        # 1,000,000 leads, SQLite file
    .venv/bin/python -m tests.bench.lead_queries --leads 100000 --reuse
    .venv/bin/python -m tests.bench.lead_queries --database-url postgresql+asyncpg://user:pw@host/db

Speed goals are read from the report, never asserted: the target is p99 < 100 ms at a million leads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import random
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.db import create_engine
from leadline.contracts.platform.messaging.outbox import Publication
from leadline.contracts.platform.migrations import upgrade
from leadline.leads.adapters.board_totals import BoardTotals, DealTotals
from leadline.leads.adapters.tables import (
    card_positions,
    deal_card_positions,
    deals,
    employees,
    lead_tags,
    leads,
    partners,
    reference_items,
)
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.deal_filters import DealFilter
from leadline.leads.domain.lead_filters import LeadFilter, LeadOrder, SortKey
from leadline.leads.domain.next_steps import DueWindow, due_interval
from leadline.leads.service import pipeline_board, queries

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{ROOT / '.local/bench/lead-queries.db'}"
BATCH = 10_000
PAGE = 50
NOW = datetime.now(UTC).replace(microsecond=0)
HISTORY_DAYS = 5 * 365

SALESPEOPLE = [f"sp{n:02d}" for n in range(1, 41)]
BENCH_USER = SALESPEOPLE[0]  # the busiest salesperson: the heaviest "my leads" and board order
PARTNERS = 50_000
# Beyond the defaults the migrations seed: what a team collects over a few years.
EXTRA_TAGS = ["key-account", "tender", "renewal", "upsell", "export", "follow-up", "cold"]
CAMPAIGNS = ["spring-fair", "newsletter-q1", "webinar", "google-ads", "linkedin", "partner-days"]
SOURCES = ["website", "phone", "email", "referral", "trade-fair"]
CHANNELS = ["inbound", "outbound", "partner"]
LOST_REASONS = ["price", "competitor", "no-budget", "no-response"]
CURRENCIES = (["PLN", "EUR", "USD"], [85, 10, 5])
PRIORITIES = ([None, "low", "normal", "high", "urgent"], [10, 25, 45, 15, 5])
SURNAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
    "Woźniak",
    "Dąbrowski",
    "Kozłowski",
    "Jankowski",
    "Mazur",
    "Kwiatkowski",
    "Krawczyk",
    "Piotrowski",
    "Grabowski",
    "Nowakowski",
    "Pawłowski",
]
CITIES = [
    "Warszawa",
    "Kraków",
    "Łódź",
    "Wrocław",
    "Poznań",
    "Gdańsk",
    "Szczecin",
    "Bydgoszcz",
    "Lublin",
    "Katowice",
    "Białystok",
    "Gdynia",
    "Częstochowa",
    "Radom",
    "Toruń",
]
WORKS = [
    "Office fit-out",
    "Warehouse racking",
    "Fleet leasing",
    "Air conditioning service",
    "Solar panels",
    "Server room",
    "Security system",
    "Cleaning contract",
    "Forklift rental",
    "Printing services",
    "ERP rollout",
    "Training programme",
]
COMPANY_KINDS = ["Sp. z o.o.", "S.A.", "Sp.j.", "Group", "Logistics", "Budownictwo", "Handel", "Serwis"]


@dataclass
class Case:
    name: str
    run: Callable[[LeadsUnitOfWork], Awaitable[int]]  # returns how many rows it answered
    samples_ms: list[float] = field(default_factory=list)
    rows: int = 0
    plans: list[str] = field(default_factory=list)


def leads_to_seed(count: int, rng: random.Random, partner_ids: list[uuid.UUID]) -> Iterator[list[dict[str, Any]]]:
    """Batches of lead rows, oldest first (a steady intake over five years), with their tags."""
    start = NOW - timedelta(days=HISTORY_DAYS)
    step = timedelta(days=HISTORY_DAYS) / count
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(SALESPEOPLE))]  # a few carry most leads
    batch: list[dict[str, Any]] = []
    for n in range(count):
        created_at = start + step * n + timedelta(seconds=rng.randint(0, 59))
        age_days = (NOW - created_at).days
        open_chance = 0.65 if age_days < 60 else 0.25 if age_days < 365 else 0.04
        lead_type = "service" if rng.random() < 0.2 else "sale"
        if rng.random() < open_chance:
            status = rng.choices(["new", "qualification", "proposal"], [45, 30, 25])[0]
            if lead_type == "service" and status == "proposal":  # service leads skip the proposal stage
                status = "qualification"
        else:
            status = "won" if rng.random() < 0.35 else "lost"
        salesperson = None if rng.random() < 0.02 else rng.choices(SALESPEOPLE, weights)[0]
        status_since = created_at + (NOW - created_at) * rng.random() ** 2
        surname, city = rng.choice(SURNAMES), rng.choice(CITIES)
        revenue = Decimal(round(min(rng.lognormvariate(math.log(20_000), 1.2), 9e9), 2)).quantize(Decimal("0.01"))
        batch.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "name": f"{rng.choice(WORKS)} – {city}",
                "type_code": lead_type,
                "status_code": status,
                "closed": status in ("won", "lost"),
                "status_since": status_since,
                "salesperson_id": salesperson,
                "partner_id": rng.choice(partner_ids) if rng.random() < 0.85 else None,
                "product_code": None,
                "priority_code": rng.choices(*PRIORITIES)[0],
                "source_code": rng.choice(SOURCES) if rng.random() < 0.9 else None,
                "campaign_code": rng.choice(CAMPAIGNS) if rng.random() < 0.3 else None,
                "channel_code": rng.choice(CHANNELS) if rng.random() < 0.8 else None,
                "lost_reason_code": rng.choice(LOST_REASONS) if status == "lost" else None,
                "expected_revenue": revenue if rng.random() < 0.8 else None,
                "currency": rng.choices(*CURRENCIES)[0],
                "probability": rng.randint(0, 100) if rng.random() < 0.6 else None,
                "expected_close": (created_at + timedelta(days=rng.randint(14, 240))).date()
                if rng.random() < 0.7
                else None,
                "phone": f"+48{rng.choice('5678')}{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.8 else None,
                "email": f"{surname.lower()}.{n}@example.com" if rng.random() < 0.65 else None,
                "website": None,
                "contact_person": f"Jan {surname}" if rng.random() < 0.5 else None,
                "street": None,
                "city": city,
                "postal_code": None,
                "country": "PL",
                "description": f"Wants a quote; call back on {created_at:%A}" if rng.random() < 0.75 else None,
                "lead_date": created_at - timedelta(minutes=rng.randint(0, 3 * 24 * 60)),
                "created_by": salesperson if salesperson and rng.random() < 0.8 else rng.choice(SALESPEOPLE),
                "created_at": created_at,
                "updated_by": salesperson or SALESPEOPLE[-1],
                "updated_at": status_since + (NOW - status_since) * rng.random(),
                "version": rng.randint(1, 6),
                "origin_kind": None,
                "origin_id": None,
                "tags": rng.sample(
                    ["vip", "hot", "public-sector", *EXTRA_TAGS], rng.choices([0, 1, 2, 3], [50, 30, 15, 5])[0]
                ),
            }
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def seed(engine: AsyncEngine, count: int) -> float:
    """Fills the migrated database; returns the seconds it took."""
    rng = random.Random(20261124)
    started = time.perf_counter()
    partner_ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(PARTNERS)]
    async with engine.begin() as connection:
        await connection.execute(
            insert(reference_items),
            [
                {
                    "kind": kind,
                    "code": code,
                    "name": code.replace("-", " ").title(),
                    "colour": colour,
                    "sort_order": 0,
                    "parent_code": None,
                    "archived": False,
                }
                for kind, codes, colour in (("tag", EXTRA_TAGS, "#795548"), ("campaign", CAMPAIGNS, None))
                for code in codes
            ],
        )
        await connection.execute(
            insert(employees),
            [
                {
                    "id": sp,
                    "name": f"{rng.choice(['Anna', 'Piotr', 'Ewa', 'Marek'])} {rng.choice(SURNAMES)} ({sp})",
                    "role": "salesperson",
                    "extension": None,
                    "archived": False,
                }
                for sp in SALESPEOPLE
            ],
        )
        await connection.execute(
            insert(partners),
            [
                {
                    "id": pid,
                    "name": f"{rng.choice(SURNAMES)} {rng.choice(COMPANY_KINDS)} {i}",
                    "archived": False,
                    "version": 1,
                    "city": rng.choice(CITIES),
                }
                for i, pid in enumerate(partner_ids)
            ],
        )
    done = 0
    await seed_pipelines(engine)
    extras = random.Random(20261201)  # next steps and deals: the leads stay what they were without them
    for batch in leads_to_seed(count, rng, partner_ids):
        tags = [{"lead_id": row["id"], "tag_code": tag} for row in batch for tag in row.pop("tags")]
        for row in batch:
            row.update(next_step_of(row, extras))
        lead_deals = [deal for row in batch for deal in deals_of(row, extras)]
        async with engine.begin() as connection:
            await connection.execute(insert(leads), batch)
            if tags:
                await connection.execute(insert(lead_tags), tags)
            if lead_deals:
                await connection.execute(insert(deals), lead_deals)
        done += len(batch)
        print(f"\rseeding: {done:,} / {count:,} leads, {time.perf_counter() - started:.0f}s", end="", file=sys.stderr)
    print(file=sys.stderr)
    await place_cards(engine, rng)
    await place_deal_cards(engine, rng)
    return time.perf_counter() - started


async def place_cards(engine: AsyncEngine, rng: random.Random) -> None:
    """The bench user has ordered some cards of each column by hand, as a user of the board would."""
    async with engine.begin() as connection:
        await connection.execute(delete(card_positions).where(card_positions.c.user_id == BENCH_USER))
        for status in ("new", "qualification", "proposal"):
            query = (
                select(leads.c.id).where(leads.c.status_code == status).order_by(leads.c.created_at.desc()).limit(300)
            )
            ids = list((await connection.execute(query)).scalars())
            chosen = rng.sample(ids, min(100, len(ids)))
            await connection.execute(
                insert(card_positions),
                [
                    {"user_id": BENCH_USER, "lead_id": lead_id, "position": i * 1024.0}
                    for i, lead_id in enumerate(chosen)
                ],
            )


async def fold_board_totals(engine: AsyncEngine) -> None:
    """The board totals' changes the seeding left (a row per lead and per deal), folded in as the running service
    does."""
    async with AsyncSession(engine) as session, session.begin():
        await BoardTotals(session).fold()
        await DealTotals(session).fold()


# The deal pipelines: the migrations' sales pipeline (discovery, negotiation, closing; won, lost) and a service one.
SERVICE_STAGES = [
    ("visit", 10, 30, None),
    ("offer", 20, 60, None),
    ("signed", 90, 100, "won"),
    ("dropped", 99, 0, "lost"),
]
OPEN_STAGES = {
    "sales": (["discovery", "negotiation", "closing"], [45, 35, 20]),
    "service": (["visit", "offer"], [60, 40]),
}
CLOSING_STAGES = {"sales": {"won": "won", "lost": "lost"}, "service": {"won": "signed", "lost": "dropped"}}


async def seed_pipelines(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(reference_items),
            [
                {
                    "kind": "pipeline",
                    "code": "service",
                    "name": "Service",
                    "sort_order": 20,
                    "parent_code": None,
                    "archived": False,
                    "probability": None,
                    "outcome": None,
                }
            ]
            + [
                {
                    "kind": "stage",
                    "code": code,
                    "name": code.title(),
                    "sort_order": order,
                    "parent_code": "service",
                    "archived": False,
                    "probability": probability,
                    "outcome": outcome,
                }
                for code, order, probability, outcome in SERVICE_STAGES
            ],
        )


def next_step_of(lead: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    """Most open leads have a next step within a few weeks either side of now; few closed ones kept theirs."""
    if rng.random() < (0.6 if not lead["closed"] else 0.1):
        at = (NOW if not lead["closed"] else lead["status_since"]) + timedelta(minutes=rng.randint(-30, 30) * 24 * 60)
        return {"next_step": "Call back about the offer", "next_step_at": at}
    return {"next_step": None, "next_step_at": None}


def deals_of(lead: Mapping[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """None to two deals a lead (one on average): open in an open stage while the lead is, won or lost after."""
    found = []
    for _ in range(rng.choices([0, 1, 2], [30, 40, 30])[0]):
        pipeline = "service" if rng.random() < 0.2 else "sales"
        created_at = lead["created_at"] + timedelta(hours=rng.randint(0, 72))
        stage_since = created_at + (NOW - created_at) * rng.random() ** 2
        outcome = None if not lead["closed"] else ("won" if rng.random() < 0.4 else "lost")
        stages, weights = OPEN_STAGES[pipeline]
        found.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "lead_id": lead["id"],
                "name": f"{rng.choice(WORKS)}, phase {rng.randint(1, 3)}",
                "pipeline_code": pipeline,
                "stage_code": CLOSING_STAGES[pipeline][outcome] if outcome else rng.choices(stages, weights)[0],
                "value": Decimal(round(min(rng.lognormvariate(math.log(15_000), 1.1), 9e9), 2)).quantize(
                    Decimal("0.01")
                ),
                "currency": lead["currency"],
                "version": 1,
                "outcome": outcome,
                "closed_at": stage_since if outcome else None,
                "created_at": created_at,
                "stage_since": stage_since,
                "salesperson_id": lead["salesperson_id"],
                "lead_type_code": lead["type_code"],
                "partner_id": lead["partner_id"],
            }
        )
    return found


async def place_deal_cards(engine: AsyncEngine, rng: random.Random) -> None:
    """The bench user has ordered some cards of each open stage of the sales pipeline by hand."""
    async with engine.begin() as connection:
        await connection.execute(delete(deal_card_positions).where(deal_card_positions.c.user_id == BENCH_USER))
        for stage in OPEN_STAGES["sales"][0]:
            query = select(deals.c.id).where(deals.c.stage_code == stage).order_by(deals.c.created_at.desc()).limit(300)
            ids = list((await connection.execute(query)).scalars())
            chosen = rng.sample(ids, min(100, len(ids)))
            await connection.execute(
                insert(deal_card_positions),
                [
                    {"user_id": BENCH_USER, "deal_id": deal_id, "position": i * 1024.0}
                    for i, deal_id in enumerate(chosen)
                ],
            )


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics, as PostgreSQL's autovacuum keeps them (SQLite: what PRAGMA optimize does)."""
    if engine.dialect.name == "sqlite":
        async with engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")
        return
    async with engine.connect() as connection:
        await (await connection.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql("VACUUM ANALYZE")


# Indexes this benchmark shows the list needs beyond migration 0002, to be added by a migration.
# (name, dialect or None for both, DDL)
NEWEST_FIRST = LeadOrder()


def bench_cases(user: Principal, samples: dict[str, Any]) -> list[Case]:
    def listing(
        where: LeadFilter, order: LeadOrder = NEWEST_FIRST, cursor: str | None = None
    ) -> Callable[[LeadsUnitOfWork], Awaitable[int]]:
        async def run(uow: LeadsUnitOfWork) -> int:
            found, _ = await queries.list_leads(uow, where, order, limit=PAGE, cursor=cursor)
            return len(found)

        return run

    async def board(uow: LeadsUnitOfWork, type_code: str | None = None) -> int:
        columns = await queries.board(uow, user, type_code=type_code, limit=20)
        return sum(len(column.cards) for column in columns)

    async def service_board(uow: LeadsUnitOfWork) -> int:
        return await board(uow, "service")

    async def more_cards(uow: LeadsUnitOfWork) -> int:
        cards, _ = await queries.column_cards(
            uow, user, "new", type_code=None, limit=20, cursor=samples["column_cursor"]
        )
        return len(cards)

    async def candidates(uow: LeadsUnitOfWork) -> int:
        return len(await queries.salesperson_candidates(uow))

    def deal_board(pipeline: str = "sales", **filters: Any) -> Callable[[LeadsUnitOfWork], Awaitable[int]]:
        async def run(uow: LeadsUnitOfWork) -> int:
            found = await pipeline_board.pipeline_board(uow, user, pipeline, DealFilter(**filters), limit=20)
            return sum(len(column.cards) for column in found.columns)

        return run

    async def more_deal_cards(uow: LeadsUnitOfWork) -> int:
        cards, _ = await pipeline_board.stage_cards(
            uow, user, "sales", "discovery", DealFilter(), limit=20, cursor=samples["stage_cursor"]
        )
        return len(cards)

    def due(window: DueWindow, salesperson_id: str | None) -> Callable[[LeadsUnitOfWork], Awaitable[int]]:
        start, end = due_interval(window, NOW, ZoneInfo("Europe/Warsaw"))
        where = LeadFilter(closed=False, salesperson_id=salesperson_id, next_step_from=start, next_step_before=end)
        return listing(where, LeadOrder(SortKey.NEXT_STEP_AT, False))

    today = NOW.date()
    year_ago = today - timedelta(days=365)
    open_ = LeadFilter(closed=False)
    cases = [
        ("list: newest first", listing(LeadFilter())),
        ("list: 20th page", listing(LeadFilter(), cursor=samples["page_20_cursor"])),
        ("list: open", listing(open_)),
        ("list: closed", listing(LeadFilter(closed=True))),
        ("list: mine, open", listing(LeadFilter(closed=False, salesperson_id=BENCH_USER))),
        ("list: status proposal", listing(LeadFilter(status_code="proposal"))),
        ("list: type service", listing(LeadFilter(type_code="service"))),
        ("list: priority urgent", listing(LeadFilter(priority_code="urgent"))),
        ("list: tag vip", listing(LeadFilter(tag="vip"))),
        ("list: partner", listing(LeadFilter(partner_id=samples["partner_id"]))),
        ("list: source+campaign", listing(LeadFilter(source_code="referral", campaign_code="webinar"))),
        ("list: created by", listing(LeadFilter(created_by="sp05"))),
        ("list: salesperson+status", listing(LeadFilter(salesperson_id="sp10", status_code="qualification"))),
        (
            "list: lead date, a month",
            listing(LeadFilter(lead_date_from=year_ago, lead_date_to=year_ago + timedelta(days=30))),
        ),
        (
            "list: open, closing in 30 days",
            listing(
                LeadFilter(closed=False, expected_close_from=today, expected_close_to=today + timedelta(days=30)),
                LeadOrder(SortKey.EXPECTED_CLOSE, False),
            ),
        ),
        (
            "list: mine, open, hot, high",
            listing(LeadFilter(closed=False, salesperson_id=BENCH_USER, tag="hot", priority_code="high")),
        ),
        ("list: q surname", listing(LeadFilter(text="Dąbrowski"))),
        ("list: q e-mail", listing(LeadFilter(text=samples["email"]))),
        ("list: q phone digits", listing(LeadFilter(text=samples["phone"]))),
        ("list: q no match", listing(LeadFilter(text="zzyzx"))),
        ("list: open, q city", listing(LeadFilter(closed=False, text="Gdańsk"))),
    ]
    for key in SortKey:
        if key is not SortKey.CREATED_AT:
            for descending in (True, False):
                label = f"sort: {key.value} {'desc' if descending else 'asc'}"
                cases.append((label, listing(LeadFilter(), LeadOrder(key, descending))))
    cases += [
        ("sort: open by expected_close", listing(open_, LeadOrder(SortKey.EXPECTED_CLOSE, False))),
        ("routine: without expected close", listing(LeadFilter(closed=False, without_expected_close=True))),
        ("routine: without description", listing(LeadFilter(closed=False, without_description=True))),
        ("routine: without salesperson", listing(LeadFilter(closed=False, without_salesperson=True))),
        ("routine: stuck 30 days", listing(LeadFilter(closed=False, in_status_before=NOW - timedelta(days=30)))),
        (
            "routine: mine stuck 30 days",
            listing(LeadFilter(closed=False, salesperson_id=BENCH_USER, in_status_before=NOW - timedelta(days=30))),
        ),
        ("kanban: board", board),
        ("kanban: board, type service", service_board),
        ("kanban: column, 2nd page", more_cards),
        ("kanban: salesperson candidates", candidates),
        ("deals: board", deal_board()),
        ("deals: board, mine", deal_board(salesperson_id=BENCH_USER)),
        ("deals: board, type service", deal_board(lead_type_code="service")),
        ("deals: board, partner", deal_board(partner_id=samples["deal_partner_id"])),
        ("deals: board, value 10k-20k", deal_board(value_from=Decimal(10_000), value_to=Decimal(20_000))),
        ("deals: board, won", deal_board(state="won")),
        ("deals: board, service pipeline", deal_board("service")),
        ("deals: stage, 2nd page", more_deal_cards),
        ("routine: next steps overdue, mine", due(DueWindow.OVERDUE, BENCH_USER)),
        ("routine: next steps today, mine", due(DueWindow.TODAY, BENCH_USER)),
        ("routine: next steps this week, mine", due(DueWindow.THIS_WEEK, BENCH_USER)),
        ("routine: next steps overdue, everyone", due(DueWindow.OVERDUE, None)),
        ("routine: next steps this week, everyone", due(DueWindow.THIS_WEEK, None)),
        ("routine: without next step", listing(LeadFilter(closed=False, without_next_step=True))),
        (
            "routine: mine without next step",
            listing(LeadFilter(closed=False, salesperson_id=BENCH_USER, without_next_step=True)),
        ),
    ]
    return [Case(name, run) for name, run in cases]


async def samples_from(uow_of: Callable[[], LeadsUnitOfWork], user: Principal) -> dict[str, Any]:
    """Values for the cases that need real data: a partner with leads, a cursor deep in the list, ..."""
    async with uow_of() as uow:
        session = uow.session
        partner_id = (
            await session.execute(select(leads.c.partner_id).where(leads.c.partner_id.is_not(None)).limit(1))
        ).scalar_one()
        deal_partner_id = (
            await session.execute(
                select(deals.c.partner_id)
                .where(deals.c.partner_id.is_not(None), deals.c.outcome.is_(None), deals.c.pipeline_code == "sales")
                .limit(1)
            )
        ).scalar_one()
        email = (
            await session.execute(
                select(leads.c.email).where(leads.c.email.is_not(None)).order_by(leads.c.created_at.desc()).limit(1)
            )
        ).scalar_one()
        phone = (
            await session.execute(
                select(leads.c.phone).where(leads.c.phone.is_not(None)).order_by(leads.c.created_at).limit(1)
            )
        ).scalar_one()
        cursor = None
        for _ in range(19):
            _, cursor = await queries.list_leads(uow, LeadFilter(), LeadOrder(), limit=PAGE, cursor=cursor)
        _, column_cursor = await queries.column_cards(uow, user, "new", type_code=None, limit=20, cursor=None)
        _, stage_cursor = await pipeline_board.stage_cards(
            uow, user, "sales", "discovery", DealFilter(), limit=20, cursor=None
        )
    # An e-mail is looked for by its local part, a phone by 7 of its digits written with spaces.
    digits = phone[-7:]
    return {
        "partner_id": partner_id,
        "deal_partner_id": deal_partner_id,
        "email": email.split("@")[0],
        "phone": f"{digits[:3]} {digits[3:]}",
        "page_20_cursor": cursor,
        "column_cursor": column_cursor,
        "stage_cursor": stage_cursor,
    }


FULL_SCAN = {
    "sqlite": re.compile(r"SCAN (leads|lead_tags|deals)\b(?! USING)"),
    "postgresql": re.compile(r"Seq Scan on (leads|lead_tags|deals)\b"),
}


async def plans_of(engine: AsyncEngine, uow_of: Callable[[], LeadsUnitOfWork], case: Case) -> list[str]:
    """The plan of every statement one run of the case sends (EXPLAIN QUERY PLAN / EXPLAIN)."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "EXPLAIN")):
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with uow_of() as uow:
            await case.run(uow)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    async with engine.connect() as connection:
        for statement, parameters in sent:
            if "leads" not in statement and "deals" not in statement:
                continue  # reference data: a few small tables
            rows = (await connection.exec_driver_sql(explain + statement, parameters)).all()
            plan = "\n".join(str(row[-1]) for row in rows)
            plans.append(f"{' '.join(statement.split())[:300]}\n{plan}")
    return plans


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def measure(uow_of: Callable[[], LeadsUnitOfWork], case: Case, *, runs: int, budget_seconds: float) -> None:
    for _ in range(2):  # warm the caches, as a service that has been running would have them
        async with uow_of() as uow:
            await case.run(uow)
    deadline = time.perf_counter() + budget_seconds
    while len(case.samples_ms) < runs and (len(case.samples_ms) < 10 or time.perf_counter() < deadline):
        started = time.perf_counter()
        async with uow_of() as uow:  # a transaction per call, as per HTTP request
            case.rows = await case.run(uow)
        case.samples_ms.append((time.perf_counter() - started) * 1000)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database as it is, when it already holds leads"
    )
    parser.add_argument("--runs", type=int, default=100, help="calls per query (fewer when slow, at least 10)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per query before stopping at 10 calls")
    parser.add_argument("--only", help="measure only the queries whose name contains this")
    args = parser.parse_args()

    url = make_url(args.database_url)
    dialect = url.get_backend_name()
    engine = create_engine(args.database_url)
    existing = 0
    if args.reuse:
        try:
            async with engine.connect() as connection:
                existing = (await connection.execute(select(func.count()).select_from(leads))).scalar_one()
        except Exception:  # no schema yet: seed it
            existing = 0
    seeded_seconds = None
    if not existing:
        if dialect == "sqlite" and url.database:
            await engine.dispose()
            await asyncio.to_thread(Path(url.database).unlink, missing_ok=True)
        await asyncio.to_thread(upgrade, "leadline.leads", args.database_url)
        seeded_seconds = await seed(engine, args.leads)
        print(f"seeded {args.leads:,} leads in {seeded_seconds:.0f}s", file=sys.stderr)
        existing = args.leads
    else:
        await asyncio.to_thread(upgrade, "leadline.leads", args.database_url)  # a reused database gets new indexes
    await fold_board_totals(engine)
    await analyze(engine)

    publication = Publication(source="leadline/bench", event_types=frozenset())
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    def uow_of() -> LeadsUnitOfWork:
        return LeadsUnitOfWork(sessions, publication)

    user = Principal(user_id=BENCH_USER, name=BENCH_USER, roles=frozenset({Role.SALESPERSON}))
    cases = [c for c in bench_cases(user, await samples_from(uow_of, user)) if not args.only or args.only in c.name]
    print(f"{'query':<36} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'runs':>5} {'rows':>5}  full scan")
    for case in cases:
        await measure(uow_of, case, runs=args.runs, budget_seconds=args.budget)
        case.plans = await plans_of(engine, uow_of, case)
        full_scan = any(FULL_SCAN[dialect].search(plan) for plan in case.plans)
        p50, p95, p99 = (percentile(case.samples_ms, q) for q in (0.5, 0.95, 0.99))
        print(
            f"{case.name:<36} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {len(case.samples_ms):>5} {case.rows:>5}"
            f"  {'FULL SCAN' if full_scan else ''}{'  > 100 ms' if p99 > 100 else ''}",
            flush=True,
        )

    async with engine.connect() as connection:
        version = (
            await connection.exec_driver_sql(
                "SELECT sqlite_version()" if dialect == "sqlite" else "SHOW server_version"
            )
        ).scalar_one()
    await engine.dispose()
    report = ROOT / "reports" / f"bench-lead-queries-{dialect}.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(
        json.dumps(
            {
                "database": dialect,
                "database_version": str(version),
                "leads": existing,
                "seeded_in_seconds": round(seeded_seconds, 1) if seeded_seconds is not None else None,
                "page_size": PAGE,
                "machine": {"python": platform.python_version(), "platform": platform.platform()},
                "measured_at": datetime.now(UTC).isoformat(),
                "queries": [
                    {
                        "name": case.name,
                        "p50_ms": round(percentile(case.samples_ms, 0.5), 2),
                        "p95_ms": round(percentile(case.samples_ms, 0.95), 2),
                        "p99_ms": round(percentile(case.samples_ms, 0.99), 2),
                        "runs": len(case.samples_ms),
                        "rows": case.rows,
                        "full_scan": any(FULL_SCAN[dialect].search(plan) for plan in case.plans),
                        "plans": case.plans,
                    }
                    for case in cases
                ],
            },
            indent=2,
            default=str,
        )
    )
    print(f"report: {report}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
