"""Events the reporting service consumes. Thin: each handler runs the use cases that fold its event."""

from __future__ import annotations

from leadline.contracts.platform.messaging.consumer import BatchSteps, EventHandler, Handler, Together
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallCallbackClearedV1,
    CallDetachedV1,
    CallEndedV1,
    CallIgnoredV1,
    CallMovedV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    CallUnignoredV1,
    DealLostV1,
    DealStageChangedV1,
    DealWonV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    EmailUnignoredV1,
    Event,
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDealChangedV1,
    LeadDeletedV1,
    LeadLostV1,
    LeadMergedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    ReferenceItemChangedV1,
)
from leadline.reporting.adapters.unit_of_work import ReportingUnitOfWork
from leadline.reporting.service import batches, calls, communications, deal_facts, lead_facts, use_cases


def _both(*steps: EventHandler) -> EventHandler:
    """One event folded into several aggregates, in one transaction."""

    async def handle(uow: ReportingUnitOfWork, event: Event, envelope: Envelope) -> None:
        for step in steps:
            await step(uow, event, envelope)

    return handle


def handlers() -> dict[type[Event], Handler]:
    registered = Together(communications.registered)  # one handler for both: a run may mix calls and e-mails
    return {
        LeadCreatedV1: _both(use_cases.lead_created, lead_facts.lead_created),
        LeadUpdatedV1: lead_facts.lead_updated,
        LeadStatusChangedV1: _both(use_cases.lead_status_changed, lead_facts.lead_status_changed),
        LeadLostV1: lead_facts.lead_lost,
        LeadAssignedV1: lead_facts.lead_assigned,
        LeadDeletedV1: _both(use_cases.lead_deleted, lead_facts.lead_deleted, deal_facts.lead_deleted),
        LeadMergedV1: _both(use_cases.lead_merged, lead_facts.lead_merged, deal_facts.lead_merged),
        LeadDealChangedV1: deal_facts.deal_changed,
        DealStageChangedV1: deal_facts.deal_stage_changed,
        DealWonV1: deal_facts.deal_closed,
        DealLostV1: deal_facts.deal_closed,
        ReferenceItemChangedV1: deal_facts.stage_changed,
        CallRegisteredV1: registered,
        EmailRegisteredV1: registered,
        CallAttachedV1: communications.attached,
        EmailAttachedV1: communications.attached,
        CallIgnoredV1: communications.ignored,
        EmailIgnoredV1: communications.ignored,
        CallUnignoredV1: communications.unignored,
        EmailUnignoredV1: communications.unignored,
        CallReturnedToTriageV1: communications.returned_to_triage,
        EmailReturnedToTriageV1: communications.returned_to_triage,
        CallEndedV1: Together(calls.calls_ended),
        CallCallbackClearedV1: Together(calls.callbacks_cleared),
        CallDetachedV1: calls.detached,
        CallMovedV1: calls.moved,
    }


BATCH_STEPS = BatchSteps(prepare=batches.prepare, finish=batches.finish)
