"""Every Leadline event type. Importing this package registers them all."""

from leadline.contracts.events.base import EVENT_TYPES, Event, event_type
from leadline.contracts.events.communications import (
    CallAttachedV1,
    CallLeadRequestedV1,
    CallRegisteredV1,
)
from leadline.contracts.events.documents import (
    DocumentSummary,
    InvoiceCreatedV1,
    InvoiceDeletedV1,
    InvoiceStatusChangedV1,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
)
from leadline.contracts.events.gateway import CallReceivedV1
from leadline.contracts.events.leads import (
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadFieldChange,
    LeadLostV1,
    LeadMergedV1,
    LeadOrigin,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.contracts.events.leads_reference import (
    EmployeeChangedV1,
    LeadTypeChangedV1,
    PartnerChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
    StatusChangedV1,
)
from leadline.contracts.events.reporting import LeadsByStatusV1

__all__ = [
    "EVENT_TYPES",
    "CallAttachedV1",
    "CallLeadRequestedV1",
    "CallReceivedV1",
    "CallRegisteredV1",
    "DocumentSummary",
    "EmployeeChangedV1",
    "Event",
    "InvoiceCreatedV1",
    "InvoiceDeletedV1",
    "InvoiceStatusChangedV1",
    "LeadAssignedV1",
    "LeadCreatedV1",
    "LeadDeletedV1",
    "LeadFieldChange",
    "LeadLostV1",
    "LeadMergedV1",
    "LeadOrigin",
    "LeadStatusChangedV1",
    "LeadTypeChangedV1",
    "LeadUpdatedV1",
    "LeadsByStatusV1",
    "OrderCreatedV1",
    "OrderDeletedV1",
    "OrderStatusChangedV1",
    "PartnerChangedV1",
    "ReferenceItemChangedV1",
    "SettingChangedV1",
    "StatusChangedV1",
    "event_type",
]
