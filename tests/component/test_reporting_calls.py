"""The calls report fed by communications' call events: calls per period by direction and disposition, the share of
inbound calls missed, and the time to call back; and the triage statistics following a corrected attachment."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from leadline.contracts.wire.events import (
    CallCallbackClearedV1,
    CallDetachedV1,
    CallEndedV1,
    CallFacts,
    CallMovedV1,
    CallRegisteredV1,
)
from leadline.reporting.domain.report import Interval
from leadline.reporting.service import calls
from leadline.reporting.service.calls import Breakdown
from tests.support.builders import AT, CALLER, call_registered
from tests.support.component.reporting import Reporting
from tests.support.component.reporting import stats as communication_stats

DAY = timedelta(days=1)


async def a_call(reporting: Reporting, direction: str, disposition: str | None, *, at: Any = AT) -> CallRegisteredV1:
    facts = CallFacts.model_validate({"direction": direction, "contact_number": CALLER, "phase": "ringing"})
    registered = call_registered(None, call=facts, received_at=at)
    await reporting.deliver(registered)
    if disposition is not None:
        ended = facts.model_copy(update={"phase": "ended", "disposition": disposition})
        missed = direction == "inbound" and disposition != "answered"
        await reporting.deliver(
            CallEndedV1(call_id=registered.call_id, call=ended, received_at=at, ended_at=at, awaits_callback=missed)
        )
    return registered


async def test_calls_count_by_direction_and_disposition_with_missed_share_and_time_to_call_back(
    reporting: Reporting,
) -> None:
    await a_call(reporting, "inbound", "answered")
    missed, returned_by_hand = await a_call(reporting, "inbound", "missed"), await a_call(reporting, "inbound", "busy")
    await a_call(reporting, "inbound", "no-answer")
    await a_call(reporting, "inbound", None)  # an old gateway's: no end reported
    call_back = await a_call(reporting, "outbound", "answered", at=AT + timedelta(minutes=30))
    await a_call(reporting, "outbound", "no-answer", at=AT + DAY)
    await reporting.deliver(
        CallCallbackClearedV1(
            call_id=missed.call_id,
            how="called_back",
            callback_call_id=call_back.call_id,
            missed_at=AT,
            cleared_by="leadline/communications",
            cleared_at=AT + timedelta(minutes=30),
        )
    )
    await reporting.deliver(
        CallCallbackClearedV1(
            call_id=returned_by_hand.call_id,
            how="marked_done",
            callback_call_id=None,
            missed_at=AT,
            cleared_by="anna",
            cleared_at=AT + timedelta(hours=2),
        )
    )

    async with reporting.runtime.unit_of_work() as uow:
        first, second = await calls.call_stats(uow, "day", Interval())
        [only_later] = await calls.call_stats(uow, "day", Interval(start=AT + timedelta(hours=1)))

    assert (first.period, first.calls, first.inbound, first.inbound_ended, first.missed) == ("2026-03-02", 6, 5, 4, 3)
    assert first.by_direction_and_disposition == [
        Breakdown("inbound", None, 1),
        Breakdown("inbound", "answered", 1),
        Breakdown("inbound", "busy", 1),
        Breakdown("inbound", "missed", 1),
        Breakdown("inbound", "no-answer", 1),
        Breakdown("outbound", "answered", 1),
    ]
    assert (first.missed_share, first.called_back, first.marked_done, first.awaiting_callback) == (0.75, 1, 1, 1)
    assert first.average_callback_seconds == 1800.0
    assert (second.period, second.calls, second.missed, second.missed_share) == ("2026-03-03", 1, 0, None)
    assert only_later == second


async def test_triage_statistics_follow_a_corrected_attachment(reporting: Reporting) -> None:
    wrong, right = uuid.uuid4(), uuid.uuid4()
    moved, detached = call_registered(wrong), call_registered(wrong)  # both matched automatically, wrongly
    for registered in (moved, detached):
        await reporting.deliver(registered)

    await reporting.deliver(
        CallMovedV1(
            call_id=moved.call_id,
            from_lead_id=wrong,
            lead_id=right,
            moved_by="marta",
            moved_at=AT + timedelta(hours=1),
            caller_number=CALLER,
            received_at=AT,
            call=CallFacts(direction="inbound", contact_number=CALLER, phase=None),
        )
    )
    await reporting.deliver(
        CallDetachedV1(
            call_id=detached.call_id, lead_id=wrong, detached_by="marta", detached_at=AT + timedelta(hours=1)
        )
    )

    [day] = await communication_stats(reporting)
    assert (day.arrived, day.attached, day.in_triage, day.decided_by_person, day.attached_automatically) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert day.average_decision_seconds == 3600.0
