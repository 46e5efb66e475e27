"""What the leads service keeps of calls beyond their links: what the PBX reported of each (for the lead card), and
the history a corrected attachment leaves on both leads."""

from __future__ import annotations

import uuid
from datetime import timedelta

from leadline.contracts.wire.events import CallDetachedV1, CallEndedV1, CallFacts, CallMovedV1
from leadline.contracts.wire.topics import CALL
from leadline.leads.service import card
from tests.support.builders import AT, CALLER, call_attached, call_registered
from tests.support.component.leads import MARTA, Leads, a_lead, links_of

RINGING = CallFacts(direction="inbound", contact_number=CALLER, phase="ringing")
ENDED = CallFacts(
    direction="inbound",
    contact_number=CALLER,
    phase="ended",
    disposition="answered",
    duration_seconds=312,
    answered_by="101",
    recording_url="https://pbx.example/rec/1.mp3",
)


async def history_of(leads: Leads, lead_id: uuid.UUID) -> list[tuple[str, str, list[dict[str, object]]]]:
    async with leads.runtime.unit_of_work() as uow:
        return [
            (entry.action, entry.by, [vars(change) for change in entry.changes])
            for entry in await uow.history.of(lead_id)
        ]


async def test_the_card_shows_what_the_pbx_reported_of_a_call_as_it_went(leads: Leads) -> None:
    lead_id = await a_lead(leads)
    waiting = call_registered(None, call=RINGING)  # in triage while it rang: no link yet, its facts kept
    await leads.deliver(waiting)
    await leads.deliver(
        CallEndedV1(
            call_id=waiting.call_id,
            call=ENDED,
            received_at=AT,
            ended_at=AT + timedelta(minutes=6),
            awaits_callback=False,
        )
    )
    outbound = CallFacts(direction="outbound", contact_number=CALLER, phase="ringing")
    await leads.deliver(call_attached(waiting.call_id, lead_id, call=RINGING))  # its facts when a person attached it
    await leads.deliver(call_registered(lead_id, call=outbound))

    async with leads.runtime.unit_of_work() as uow:
        found = await card.lead_card(uow, lead_id, MARTA)

    facts = {link.label: found.call_facts.get(link.item_id) for link in found.communications}
    assert facts == {
        f"{CALLER}, 2026-03-02 09:30 UTC": ENDED,  # the attachment's older facts do not replace what intake said
        f"to {CALLER}, 2026-03-02 09:30 UTC": outbound,
    }


async def test_a_moved_call_leaves_a_line_in_both_leads_history_and_a_detached_one_in_its_lead(leads: Leads) -> None:
    wrong, right = await a_lead(leads), await a_lead(leads)
    registered = call_registered(wrong, call=RINGING)
    await leads.deliver(registered)
    call_id = registered.call_id
    label = f"{CALLER}, 2026-03-02 09:30 UTC"

    await leads.deliver(
        CallMovedV1(
            call_id=call_id,
            from_lead_id=wrong,
            lead_id=right,
            moved_by="marta",
            moved_at=AT,
            caller_number=CALLER,
            received_at=AT,
            call=RINGING,
        )
    )

    assert await links_of(leads, wrong) == []
    assert [link.item_id for link in await links_of(leads, right)] == [str(call_id)]
    assert (await history_of(leads, wrong))[-1] == (
        "call_moved_out",
        "marta",
        [{"field": "calls", "old": label, "new": f"moved to lead {right}"}],
    )
    assert (await history_of(leads, right))[-1] == (
        "call_moved_in",
        "marta",
        [{"field": "calls", "old": f"moved from lead {wrong}", "new": label}],
    )

    await leads.deliver(CallDetachedV1(call_id=call_id, lead_id=right, detached_by="marta", detached_at=AT))

    assert await links_of(leads, right) == []
    assert (await history_of(leads, right))[-1] == (
        "call_detached",
        "marta",
        [{"field": "calls", "old": label, "new": None}],
    )
    assert leads.dead_letters(CALL) == []
