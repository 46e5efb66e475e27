"""Intake of a call's lifecycle: ringing, answered, ended and recording reports from a PBX become one call per PBX
call id, whatever order they come in, and communications' own call events; missed calls wait for a call back.

Set-based like the rest of intake: a gateway's batch costs one query for the calls it names, one for reports kept
from before their call was known, one for the leads of the new calls' numbers, and (when calls ended) one or two
for the missed calls and call backs of their numbers; then one statement per kind of write. The reports of one call
are applied in the order they came in (Kafka keeps that per PBX call id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from leadline.communications.domain.lifecycle import (
    Answered,
    CallReport,
    Ended,
    Parties,
    Rang,
    Recorded,
    called_back,
    calls_back,
    is_call_back,
    merged,
    parties_of,
    progress,
)
from leadline.communications.domain.model import Call
from leadline.communications.service.calls import contact_number, facts, new_call, registered
from leadline.communications.service.unit_of_work import AbstractUnitOfWork
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAnsweredV1,
    CallCallbackClearedV1,
    CallEndedV1,
    CallRecordingAvailableV1,
    Event,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.wire.events.gateway import PbxReport


@dataclass
class _Batch:
    """The batch's calls as they become, and what it has to write and announce."""

    stored: dict[str, Call]  # by PBX call id, as the database has them
    current: dict[str, Call] = field(default_factory=dict)  # by PBX call id, as the batch leaves them
    new: set[str] = field(default_factory=set)  # PBX call ids of the calls the batch registers
    ended: list[str] = field(default_factory=list)  # PBX call ids of the calls that ended in the batch
    announced: list[tuple[Event, Envelope | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current = dict(self.stored)

    def announce(self, before: Call, after: Call, caused_by: Envelope) -> None:
        """Communications' events for what the call gained: each once, however often the PBX reported it."""
        gained = progress(before, after)
        if gained.answered:
            assert after.answered_at is not None
            self.announced.append(
                (
                    CallAnsweredV1(
                        call_id=after.id,
                        call=facts(after),
                        answered_by=after.answered_by,
                        answered_at=after.answered_at,
                    ),
                    caused_by,
                )
            )
        if gained.ended:
            assert after.ended_at is not None
            self.ended.append(after.pbx_call_id)
            ended = CallEndedV1(
                call_id=after.id,
                call=facts(after),
                received_at=after.received_at,
                ended_at=after.ended_at,
                awaits_callback=after.callback_state == "waiting",
            )
            self.announced.append((ended, caused_by))
        if gained.recorded:
            self.announced.append((CallRecordingAvailableV1(call_id=after.id, call=facts(after)), caused_by))


async def take_in_reports(
    uow: AbstractUnitOfWork, received: Sequence[tuple[PbxReport, Envelope]], *, phone_region: str
) -> None:
    """Applies a run of a PBX's lifecycle reports (see the module's docstring)."""
    pbx_call_ids = {report.pbx_call_id for report, _ in received}
    batch = _Batch(stored=await uow.calls.by_pbx_call_ids(pbx_call_ids))
    unknown = pbx_call_ids - batch.stored.keys()
    kept = await uow.early_call_events.of(unknown) if unknown else {}
    contacts = _contacts_of_new_calls(received, unknown, phone_region)
    leads_by_phone = await uow.known_leads.with_phones(set(contacts.values())) if contacts else {}
    waiting: dict[str, list[PbxReport]] = {pbx_call_id: list(reports) for pbx_call_id, reports in kept.items()}
    still_early: list[PbxReport] = []

    for report, envelope in received:
        pbx_call_id = report.pbx_call_id
        before = batch.current.get(pbx_call_id)
        if before is not None:
            after = merged(before, call_report(report))
        else:
            parties = parties_of(call_report(report))
            if parties is None:
                waiting.setdefault(pbx_call_id, []).append(report)
                still_early.append(report)
                continue
            before, match = new_call(
                pbx_call_id=pbx_call_id,
                direction=parties.direction,
                caller_number=parties.caller_number,
                called_number=parties.called_number,
                extension=parties.extension,
                received_at=parties.started_at,
                contact=contacts[pbx_call_id],
                phone_region=phone_region,
                leads_by_phone=leads_by_phone,
            )
            batch.new.add(pbx_call_id)
            # What came before the call was known (kept, or earlier in this batch) joins it now.
            after = before
            for early in waiting.pop(pbx_call_id, []):
                after = merged(after, call_report(early))
            still_early = [r for r in still_early if r.pbx_call_id != pbx_call_id]
            after = merged(after, call_report(report))
            batch.announced.append((registered(after, match), envelope))
        batch.announce(before, after, envelope)
        batch.current[pbx_call_id] = after

    cleared = await _calls_back(uow, batch)
    await uow.calls.add_all([batch.current[pbx_call_id] for pbx_call_id in batch.new])
    changed = [call for pbx_call_id, call in batch.current.items() if call != batch.stored.get(pbx_call_id, call)]
    await uow.calls.save_lifecycles(changed)
    cleared += [call for call in changed if call.callback_state != batch.stored[call.pbx_call_id].callback_state]
    await uow.calls.save_callbacks(cleared)
    await uow.early_call_events.remove(kept.keys() & batch.new)
    await uow.early_call_events.add_all(still_early)
    await uow.outbox.add_all(batch.announced)


def _contacts_of_new_calls(
    received: Sequence[tuple[PbxReport, Envelope]], unknown: set[str], phone_region: str
) -> dict[str, str]:
    """The customer's number of each call the batch may register, from the first report that names the parties."""
    contacts: dict[str, str] = {}
    for report, _ in received:
        if report.pbx_call_id in unknown and report.pbx_call_id not in contacts:
            parties = parties_of(call_report(report))
            if parties is not None:
                contacts[report.pbx_call_id] = contact_number(
                    parties.direction, parties.caller_number, parties.called_number, phone_region
                )
    return contacts


async def _calls_back(uow: AbstractUnitOfWork, batch: _Batch) -> list[Call]:
    """Missed calls the batch's answered outbound calls return, and missed calls of the batch an earlier call back
    returned already (reports of different calls may come in any order). Updates the batch's own calls in place;
    returns the others it cleared (their call back state is written apart from their lifecycle: a person may clear
    them too)."""
    ended = [batch.current[pbx_call_id] for pbx_call_id in batch.ended]
    calls_out = [call for call in ended if is_call_back(call)]
    missed = [call for call in ended if call.callback_state == "waiting"]
    if not calls_out and not missed:
        return []
    waiting = {call.id: call for call in missed}
    if calls_out:
        for call in await uow.calls.waiting_for_callback({call.contact_number for call in calls_out}):
            waiting.setdefault(call.id, batch.current.get(call.pbx_call_id, call))
    if missed:
        for call in await uow.calls.answered_calls_to({call.contact_number for call in missed}):
            if call.id not in {out.id for out in calls_out}:
                calls_out.append(call)
    cleared: list[Call] = []
    for found in calls_back(waiting.values(), calls_out):
        returned = called_back(found.missed, found.by)
        batch.announced.append(
            (
                CallCallbackClearedV1(
                    call_id=returned.id,
                    how="called_back",
                    callback_call_id=found.by.id,
                    missed_at=returned.received_at,
                    cleared_by=uow.outbox.source,
                    cleared_at=found.by.received_at,
                ),
                None,
            )
        )
        if returned.pbx_call_id in batch.current:
            batch.current[returned.pbx_call_id] = returned  # written with the batch's calls
        else:
            cleared.append(returned)
    return cleared


def call_report(report: PbxReport) -> CallReport:
    """What the gateway's event says of the call, as the lifecycle rules take it."""
    match report:
        case PbxCallRingingV1():
            return Rang(
                Parties(
                    report.direction, report.caller_number, report.called_number, report.extension, report.started_at
                )
            )
        case PbxCallAnsweredV1(
            direction=str() as direction, caller_number=str() as caller, called_number=str() as called
        ):
            return Answered(
                report.extension, report.answered_at, Parties(direction, caller, called, None, report.answered_at)
            )
        case PbxCallAnsweredV1():
            return Answered(report.extension, report.answered_at, parties=None)
        case PbxCallEndedV1():
            started = report.started_at or report.ended_at
            return Ended(
                Parties(report.direction, report.caller_number, report.called_number, report.extension, started),
                rang_at=report.started_at,
                ended_at=report.ended_at,
                duration_seconds=report.duration_seconds,
                disposition=report.disposition,
            )
        case PbxRecordingAvailableV1():
            return Recorded(report.recording_url, report.recording_id)


async def relay_reports(uow: AbstractUnitOfWork, reports: Sequence[PbxReport]) -> None:
    """Reports a PBX made by webhook go out as the telephony gateway's events, through the outbox, and come back in
    through take_in_reports like every gateway's: one intake, one place that merges and dedupes."""
    await uow.outbox.add_all([(report, None) for report in reports])
