"""Composition root of the leads service."""

from __future__ import annotations

import functools

from fastapi import FastAPI

from leadline.contracts.platform.idempotency import purge_expired_keys
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings
from leadline.contracts.wire.events import (
    DealLostV1,
    DealStageChangedV1,
    DealWonV1,
    EmployeeChangedV1,
    LeadAnnouncedV1,
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDealChangedV1,
    LeadDeletedV1,
    LeadLostV1,
    LeadMergedV1,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadTypeChangedV1,
    LeadUpdatedV1,
    PartnerChangedV1,
    ReferenceItemChangedV1,
    SettingChangedV1,
    StatusChangedV1,
)
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.config import Settings
from leadline.leads.entrypoints import (
    http_contacts,
    http_deals,
    http_employees,
    http_kanban,
    http_lead_card,
    http_lead_lifecycle,
    http_lead_lists,
    http_lead_types,
    http_leads,
    http_partners,
    http_pipelines,
    http_reference_items,
    http_settings,
    http_statuses,
    kafka,
)
from leadline.leads.entrypoints.housekeeping import BOARD_TOTALS_FOLD_SECONDS, board_totals_folding
from leadline.leads.service import announcement, reference


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(
        settings,
        LeadsUnitOfWork,
        publishes=[
            LeadCreatedV1,
            LeadUpdatedV1,
            LeadStatusChangedV1,
            LeadLostV1,
            LeadAssignedV1,
            LeadMergedV1,
            LeadDeletedV1,
            LeadDealChangedV1,
            DealStageChangedV1,
            DealWonV1,
            DealLostV1,
            LeadRequestRefusedV1,
            StatusChangedV1,
            LeadTypeChangedV1,
            ReferenceItemChangedV1,
            SettingChangedV1,
            PartnerChangedV1,
            EmployeeChangedV1,
            LeadAnnouncedV1,
        ],
    )
    runtime.subscribe(kafka.handlers(settings.default_phone_region))
    runtime.on_start(reference.publish_configuration_once)
    if settings.development_tokens:
        # Tokens of the demo users can be minted (make token), so they are on the team: leads can be theirs.
        runtime.on_start(reference.enrol_demo_users)
    runtime.alongside(functools.partial(announcement.announcing, runtime.unit_of_work))
    purge_expired_keys(runtime)
    runtime.periodically(BOARD_TOTALS_FOLD_SECONDS, board_totals_folding(runtime))
    return runtime.http_app(
        title="Leadline leads",
        description="Leads, their statuses and types: what sales apps build lead lists, cards and kanban boards from.",
        version="0.1.0",
        # In this order the document lists the paths (a path where its first operation is), and a request goes
        # to the first route that fits it.
        routers=[
            http_leads.router,
            http_lead_lifecycle.router,
            http_lead_card.router,
            http_deals.router,
            http_lead_lists.router,
            http_kanban.router,
            http_pipelines.router,
            http_statuses.router,
            http_lead_types.router,
            http_reference_items.router,
            http_employees.router,
            http_partners.router,
            http_settings.router,
            http_contacts.router,
        ],
    )


def documented_app() -> FastAPI:
    """The app the committed documents describe (``leadline-contracts``): no database behind it."""
    return create_app(Settings(database_url="sqlite+aiosqlite://"))
