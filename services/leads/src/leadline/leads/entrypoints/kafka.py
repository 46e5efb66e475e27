"""Events the leads service consumes. Thin: each handler calls one use case."""

from __future__ import annotations

from leadline.contracts.envelope import Envelope
from leadline.contracts.events import (
    CallAttachedV1,
    CallLeadRequestedV1,
    CallRegisteredV1,
    CallReturnedToTriageV1,
    EmailAttachedV1,
    EmailLeadRequestedV1,
    EmailRegisteredV1,
    EmailReturnedToTriageV1,
    Event,
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.contracts.messaging.consumer import EventHandler
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.service import links, use_cases


def handlers(phone_region: str) -> dict[type[Event], EventHandler]:
    async def on_lead_requested(
        uow: LeadsUnitOfWork, event: CallLeadRequestedV1 | EmailLeadRequestedV1, envelope: Envelope
    ) -> None:
        await use_cases.create_lead_on_request(uow, event, envelope, phone_region=phone_region)

    return {
        CallLeadRequestedV1: on_lead_requested,
        CallRegisteredV1: links.call_registered,
        CallAttachedV1: links.call_attached,
        CallReturnedToTriageV1: links.communication_returned("call"),
        EmailLeadRequestedV1: on_lead_requested,
        EmailRegisteredV1: links.email_registered,
        EmailAttachedV1: links.email_attached,
        EmailReturnedToTriageV1: links.communication_returned("email"),
        OrderCreatedV1: links.document_linked("order"),
        OrderStatusChangedV1: links.document_linked("order"),
        OrderDeletedV1: links.document_unlinked("order"),
        InvoiceCreatedV1: links.document_linked("invoice"),
        InvoiceStatusChangedV1: links.document_linked("invoice"),
        InvoiceDeletedV1: links.document_unlinked("invoice"),
    }
