"""Events the leads service consumes. Thin: each handler calls one use case."""

from __future__ import annotations

from leadline.contracts.platform.messaging.consumer import Handler, Together
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAnsweredV1,
    CallAttachedV1,
    CallDetachedV1,
    CallEndedV1,
    CallLeadRequestedV1,
    CallMovedV1,
    CallRecordingAvailableV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    EmailAttachedV1,
    EmailLeadRequestedV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    EmailWrittenV1,
    Event,
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.service import links, use_cases


def handlers(phone_region: str) -> dict[type[Event], Handler]:
    async def on_lead_requested(
        uow: LeadsUnitOfWork, event: CallLeadRequestedV1 | EmailLeadRequestedV1, envelope: Envelope
    ) -> None:
        await use_cases.create_lead_on_request(uow, event, envelope, phone_region=phone_region)

    # One handler object for several event types lets a run of them be applied together.
    communications_linked = Together(links.communications_linked)
    orders_linked, invoices_linked = links.documents_linked("order"), links.documents_linked("invoice")
    return {
        CallLeadRequestedV1: on_lead_requested,
        CallRegisteredV1: communications_linked,
        CallAttachedV1: communications_linked,
        CallMovedV1: communications_linked,
        CallAnsweredV1: communications_linked,
        CallEndedV1: communications_linked,
        CallRecordingAvailableV1: communications_linked,
        CallDetachedV1: links.call_detached,
        CallReturnedToTriageV1: links.communication_returned("call"),
        EmailLeadRequestedV1: on_lead_requested,
        EmailRegisteredV1: communications_linked,
        EmailAttachedV1: communications_linked,
        EmailReturnedToTriageV1: links.communication_returned("email"),
        EmailWrittenV1: links.email_written,
        OrderCreatedV1: orders_linked,
        OrderStatusChangedV1: orders_linked,
        OrderDeletedV1: links.document_unlinked("order"),
        InvoiceCreatedV1: invoices_linked,
        InvoiceStatusChangedV1: invoices_linked,
        InvoiceDeletedV1: links.document_unlinked("invoice"),
    }
