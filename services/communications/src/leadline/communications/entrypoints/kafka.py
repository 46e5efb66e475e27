"""Events the communications service consumes. Thin: each handler calls one use case."""

from __future__ import annotations

from collections.abc import Sequence

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service import intake, ownership, use_cases
from leadline.contracts.envelope import Envelope
from leadline.contracts.events import (
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
)
from leadline.contracts.messaging.consumer import Handler, Together


def handlers(phone_region: str) -> dict[type[Event], Handler]:
    async def on_calls_received(
        uow: CommunicationsUnitOfWork, received: Sequence[tuple[CallReceivedV1, Envelope]]
    ) -> None:
        await intake.register_calls(uow, received, phone_region=phone_region)

    return {
        CallReceivedV1: Together(on_calls_received),
        EmailReceivedV1: intake.register_email,
        LeadCreatedV1: Together(use_cases.remember_leads),
        LeadUpdatedV1: use_cases.lead_updated,
        LeadStatusChangedV1: use_cases.lead_status_changed,
        LeadMergedV1: use_cases.lead_merged,
        LeadDeletedV1: use_cases.lead_deleted,
        LeadRequestRefusedV1: use_cases.lead_request_refused,
        LeadAssignedV1: ownership.lead_assigned,
        LeadAnnouncedV1: ownership.lead_announced,
        EmployeeChangedV1: ownership.employee_changed,
    }
