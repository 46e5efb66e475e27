"""Events the documents service consumes. Thin: each handler is one use case."""

from __future__ import annotations

from leadline.contracts.events import (
    Event,
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDeletedV1,
    LeadMergedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
)
from leadline.contracts.messaging.consumer import Handler, Together
from leadline.documents.service import documents, use_cases


def handlers() -> dict[type[Event], Handler]:
    return {
        LeadCreatedV1: Together(use_cases.copy_leads),
        LeadUpdatedV1: use_cases.lead_updated,
        LeadStatusChangedV1: use_cases.lead_status_changed,
        LeadAssignedV1: use_cases.lead_assigned,
        LeadDeletedV1: documents.lead_deleted,
        LeadMergedV1: documents.lead_merged,
        SettingChangedV1: use_cases.setting_changed,
        ReferenceItemChangedV1: use_cases.reference_item_changed,
        PartnerChangedV1: use_cases.partner_changed,
    }
