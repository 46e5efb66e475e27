"""Events the communications service consumes. Thin: each handler calls one use case."""

from __future__ import annotations

from collections.abc import Sequence

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service import intake, lead_reactions, lifecycle, ownership
from leadline.contracts.platform.messaging.consumer import Handler, Together
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallReceivedV1,
    EmailReceivedV1,
    EmployeeChangedV1,
    Event,
    LeadAnnouncedV1,
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.wire.events.gateway import PbxReport


def handlers(phone_region: str) -> dict[type[Event], Handler]:
    async def on_calls_received(
        uow: CommunicationsUnitOfWork, received: Sequence[tuple[CallReceivedV1, Envelope]]
    ) -> None:
        await intake.register_calls(uow, received, phone_region=phone_region)

    async def on_reports(uow: CommunicationsUnitOfWork, reports: Sequence[tuple[PbxReport, Envelope]]) -> None:
        await lifecycle.take_in_reports(uow, reports, phone_region=phone_region)

    # One handler object for the four kinds of report lets a run of them, of one call or many, apply together.
    reports = Together(on_reports)
    return {
        CallReceivedV1: Together(on_calls_received),
        PbxCallRingingV1: reports,
        PbxCallAnsweredV1: reports,
        PbxCallEndedV1: reports,
        PbxRecordingAvailableV1: reports,
        EmailReceivedV1: intake.register_email,
        LeadCreatedV1: Together(lead_reactions.remember_leads),
        LeadUpdatedV1: lead_reactions.lead_updated,
        LeadStatusChangedV1: lead_reactions.lead_status_changed,
        LeadMergedV1: lead_reactions.lead_merged,
        LeadDeletedV1: lead_reactions.lead_deleted,
        LeadRequestRefusedV1: lead_reactions.lead_request_refused,
        LeadAssignedV1: ownership.lead_assigned,
        LeadAnnouncedV1: ownership.lead_announced,
        EmployeeChangedV1: Together(ownership.employees_changed),
        PartnerChangedV1: lead_reactions.partner_changed,
    }
