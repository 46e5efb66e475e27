"""Lead histories as the leads service would publish them, generated from a seed: for tests that compare
reports built two ways, and for measuring how fast reporting replays them."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.wire.events import CallIgnoredV1, CallUnignoredV1, Event
from leadline.reporting.app import create_app
from leadline.reporting.config import Settings
from leadline.reporting.domain.report import Dimension, Interval, PivotRequest
from leadline.reporting.service import communications, deal_reports, reports, use_cases
from tests.support.builders import (
    AT,
    call_attached,
    call_registered,
    deal_changed,
    deal_closed,
    deal_moved,
    lead_assigned,
    lead_created,
    lead_deleted,
    lead_lost,
    lead_updated,
    leads_merged,
    stage_changed,
    status_changed,
)

STATUSES = ["new", "qualification", "proposal", "negotiation"]


def lead_histories(leads: int, seed: int) -> list[Event]:
    """Leads with assorted dimensions, each walked through edits and moves, some lost, deleted or merged;
    the events of different leads interleaved as they would be on the topic's partitions."""
    rng = random.Random(seed)
    histories: list[list[Event]] = []
    ids = [uuid.uuid4() for _ in range(leads)]
    for n, lead_id in enumerate(ids):
        at = AT + timedelta(days=rng.randrange(60), minutes=rng.randrange(1440))
        events: list[Event] = [
            lead_created(
                lead_id,
                created_at=at,
                lead_date=at,
                salesperson_id=rng.choice(["anna", "piotr", None]),
                priority_code=rng.choice(["low", "high", None]),
                source_code=rng.choice(["web", "fair"]),
                tags=rng.sample(["vip", "export", "fair"], rng.randrange(3)),
                expected_revenue=Decimal(rng.randrange(1, 10**6)) / 100,
                currency=rng.choice(["PLN", "EUR"]),
                probability=rng.choice([None, 10, 50, 90]),
                expected_close=(at + timedelta(days=rng.randrange(90))).date(),
            )
        ]
        status = "new"
        for _ in range(rng.randrange(4)):
            at += timedelta(hours=rng.randrange(1, 200))
            step = rng.random()
            if step < 0.3:
                events.append(lead_updated(lead_id, priority_code="high", expected_revenue="1234.56", tags=["vip"]))
            elif step < 0.45:
                events.append(lead_assigned(lead_id, rng.choice(["anna", "piotr"])))
            else:
                target = rng.choice([s for s in STATUSES if s != status])
                events.append(status_changed(lead_id, status, target, at=at))
                status = target
        ending = rng.random()
        if ending < 0.15:
            events += [
                lead_lost(lead_id, rng.choice(["price", "timing"]), at=at),
                status_changed(lead_id, status, "lost", closed=True, at=at),
            ]
        elif ending < 0.3:
            events.append(status_changed(lead_id, status, "won", closed=True, at=at + timedelta(hours=1)))
        elif ending < 0.35:
            events.append(lead_deleted(lead_id))
        elif ending < 0.4 and n > 0:
            events.append(leads_merged(ids[0], lead_id))
        histories.append(events)
    return _interleaved(histories, rng)


def _interleaved(histories: list[list[Event]], rng: random.Random) -> list[Event]:
    """Each history in order, different ones interleaved as they would be on the topic's partitions."""
    interleaved: list[Event] = []
    pending = [h[::-1] for h in histories]  # reversed, so each lead's next event pops off the end
    while pending:
        n = rng.randrange(len(pending))
        interleaved.append(pending[n].pop())
        if not pending[n]:
            pending[n] = pending[-1]
            pending.pop()
    return interleaved


async def all_reports(runtime: ServiceRuntime[Any]) -> dict[str, Any]:
    """Every report reporting serves, computed on one database."""
    pivots = [
        ((Dimension.STATUS, Dimension.SALESPERSON), (Dimension.LEAD_MONTH,)),
        ((Dimension.TAG,), (Dimension.CLOSE_WEEK,)),
        ((Dimension.PRIORITY, Dimension.SOURCE), (Dimension.LEAD_WEEKDAY, Dimension.LEAD_HOUR)),
        ((Dimension.LEAD_DATE,), ()),
    ]
    async with runtime.unit_of_work(read_only=True) as uow:
        return {
            "pivots": [await reports.lead_pivot(uow, PivotRequest(r, c, Interval())) for r, c in pivots],
            "funnel": [await reports.funnel(uow, period, Interval()) for period in ("day", "week", "month")],
            "stuck": await reports.stuck_leads(uow, 3, datetime(2026, 6, 1, tzinfo=UTC), 1000),
            "workload": await reports.workload(uow),
            "by_status": await use_cases.leads_by_status(uow),
            "communications": await communications.communication_stats(uow, "day", Interval()),
            "pipeline": [await deal_reports.pipeline_value(uow, None, by) for by in ("stage", "salesperson")],
            "deal_outcomes": await deal_reports.deal_outcomes(uow, "week", Interval(), None),
            "deal_flow": await deal_reports.deal_flow(uow, Interval(), None),
        }


async def rebuilt_reports(database_url: str, *, bootstrap: str, prefix: str) -> dict[str, Any]:
    """Every report of a reporting service rebuilt by replaying the topics into ``database_url``, a fresh database."""
    await asyncio.to_thread(upgrade, "leadline.reporting", database_url)
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=prefix)
    rebuilt: ServiceRuntime[Any] = create_app(settings).state.runtime
    try:
        await rebuilt.replay()
        return await all_reports(rebuilt)
    finally:
        await rebuilt.engine.dispose()


def triaged_calls(calls: int, seed: int) -> list[Event]:
    """Calls arriving, matched or left in triage, then attached, made a lead of or ignored (some undone)."""
    rng = random.Random(seed)
    events: list[Event] = []
    for _ in range(calls):
        at = AT + timedelta(days=rng.randrange(10), minutes=rng.randrange(1440))
        registered = call_registered(rng.choice([uuid.uuid4(), None]), received_at=at)
        events.append(registered)
        if registered.lead_id is not None:
            continue
        decided_at = at + timedelta(minutes=rng.randrange(1, 600))
        step = rng.random()
        if step < 0.4:
            how = rng.choice(["chosen", "lead_created", "matched"])
            events.append(call_attached(registered.call_id, uuid.uuid4(), how=how, attached_at=decided_at))
        elif step < 0.7:
            events.append(CallIgnoredV1(call_id=registered.call_id, ignored_by="anna", ignored_at=decided_at))
            if step < 0.5:
                undone = decided_at + timedelta(minutes=5)
                events.append(CallUnignoredV1(call_id=registered.call_id, unignored_by="anna", unignored_at=undone))
    return events


DEAL_STAGES = [("discovery", 20, None), ("negotiation", 50, None), ("won", 100, "won"), ("lost", 0, "lost")]


def deal_histories(leads: int, seed: int) -> list[Event]:
    """The sales pipeline's stages, then leads with deals walked through them: moved, won, lost, reopened, changed,
    removed; a lead's events in order, different leads' interleaved."""
    rng = random.Random(seed)
    events: list[Event] = [
        stage_changed(code, sort_order=n, probability=probability, outcome=outcome)
        for n, (code, probability, outcome) in enumerate(DEAL_STAGES)
    ]
    histories: list[list[Event]] = []
    for _ in range(leads):
        at = AT + timedelta(days=rng.randrange(60))
        lead = lead_created(created_at=at, salesperson_id=rng.choice(["anna", "piotr"]))
        history: list[Event] = [lead]
        for _ in range(rng.randrange(1, 3)):
            deal_id, stage = uuid.uuid4(), "discovery"
            value = Decimal(rng.randrange(1, 10**5)) / 100
            history.append(
                deal_changed(lead.lead_id, deal_id, value=value, currency=rng.choice(["PLN", "EUR"]), changed_at=at)
            )
            for _ in range(rng.randrange(4)):
                at += timedelta(hours=rng.randrange(1, 300))
                target = rng.choice([code for code, *_ in DEAL_STAGES if code != stage])
                outcome = {code: outcome for code, _, outcome in DEAL_STAGES}[target]
                history.append(deal_moved(lead.lead_id, deal_id, stage, target, at, outcome=outcome))
                if outcome is not None:
                    history.append(deal_closed(lead.lead_id, deal_id, outcome, at, value=str(value)))
                stage = target
            if rng.random() < 0.2:
                history.append(deal_changed(lead.lead_id, deal_id, "changed", stage_code=stage, value=Decimal("1.00")))
            elif rng.random() < 0.1:
                history.append(deal_changed(lead.lead_id, deal_id, "removed", stage_code=stage))
        histories.append(history)
    return events + _interleaved(histories, rng)
