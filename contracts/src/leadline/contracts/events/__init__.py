"""Every Leadline event type. Importing this package registers them all."""

from leadline.contracts.events.base import EVENT_TYPES, Event, event_type
from leadline.contracts.events.communications import (
    CallAttachedV1,
    CallIgnoredV1,
    CallLeadRequestedV1,
    CallRegisteredV1,
    CallUnignoredV1,
    EmailAttachedV1,
    EmailIgnoredV1,
    EmailLeadRequestedV1,
    EmailRegisteredV1,
    EmailUnignoredV1,
)
from leadline.contracts.events.gateway import CallReceivedV1, EmailReceivedV1, MailAttachment, Mailbox
from leadline.contracts.events.leads import (
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDealChangedV1,
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
    "CallIgnoredV1",
    "CallLeadRequestedV1",
    "CallReceivedV1",
    "CallRegisteredV1",
    "CallUnignoredV1",
    "EmailAttachedV1",
    "EmailIgnoredV1",
    "EmailLeadRequestedV1",
    "EmailReceivedV1",
    "EmailRegisteredV1",
    "EmailUnignoredV1",
    "EmployeeChangedV1",
    "Event",
    "LeadAssignedV1",
    "LeadCreatedV1",
    "LeadDealChangedV1",
    "LeadDeletedV1",
    "LeadFieldChange",
    "LeadLostV1",
    "LeadMergedV1",
    "LeadOrigin",
    "LeadStatusChangedV1",
    "LeadTypeChangedV1",
    "LeadUpdatedV1",
    "LeadsByStatusV1",
    "MailAttachment",
    "Mailbox",
    "PartnerChangedV1",
    "ReferenceItemChangedV1",
    "SettingChangedV1",
    "StatusChangedV1",
    "event_type",
]
