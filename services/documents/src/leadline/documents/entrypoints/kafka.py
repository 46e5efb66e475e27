"""Events the documents service consumes. Thin: each handler is one use case."""

from __future__ import annotations

from leadline.contracts.platform.messaging.consumer import Handler, Together
from leadline.contracts.wire.events import (
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
from leadline.documents.service import copies, documents


def handlers() -> dict[type[Event], Handler]:
    return {
        LeadCreatedV1: Together(copies.copy_leads),
        LeadUpdatedV1: copies.lead_updated,
        LeadStatusChangedV1: copies.lead_status_changed,
        LeadAssignedV1: copies.lead_assigned,
        LeadDeletedV1: documents.lead_deleted,
        LeadMergedV1: documents.lead_merged,
        SettingChangedV1: copies.setting_changed,
        ReferenceItemChangedV1: copies.reference_item_changed,
        PartnerChangedV1: copies.partner_changed,
    }
