"""Events the documents service consumes. Thin: each handler is one use case."""

from __future__ import annotations

from leadline.contracts.events import Event, LeadCreatedV1, LeadDeletedV1, LeadMergedV1, LeadStatusChangedV1
from leadline.contracts.messaging.consumer import EventHandler
from leadline.documents.service import use_cases


def handlers() -> dict[type[Event], EventHandler]:
    return {
        LeadCreatedV1: use_cases.copy_lead,
        LeadStatusChangedV1: use_cases.lead_status_changed,
        LeadDeletedV1: use_cases.lead_deleted,
        LeadMergedV1: use_cases.lead_merged,
    }
