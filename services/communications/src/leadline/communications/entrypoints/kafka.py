"""Events the communications service consumes. Thin: each handler calls one use case."""

from __future__ import annotations

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service import use_cases
from leadline.contracts.envelope import Envelope
from leadline.contracts.events import (
    CallReceivedV1,
    EmailReceivedV1,
    Event,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.contracts.messaging.consumer import EventHandler


def handlers(phone_region: str) -> dict[type[Event], EventHandler]:
    async def on_call_received(uow: CommunicationsUnitOfWork, event: CallReceivedV1, envelope: Envelope) -> None:
        await use_cases.register_call(uow, event, envelope, phone_region=phone_region)

    return {
        CallReceivedV1: on_call_received,
        EmailReceivedV1: use_cases.register_email,
        LeadCreatedV1: use_cases.remember_lead,
        LeadUpdatedV1: use_cases.lead_updated,
        LeadStatusChangedV1: use_cases.lead_status_changed,
        LeadMergedV1: use_cases.lead_merged,
        LeadDeletedV1: use_cases.lead_deleted,
        LeadRequestRefusedV1: use_cases.lead_request_refused,
    }
