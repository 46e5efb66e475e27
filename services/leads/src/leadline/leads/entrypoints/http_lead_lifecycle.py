"""HTTP API of what takes a lead out of the work besides deleting it: marking it lost, merging it into another
lead. Thin: parse, call a use case, commit, answer."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from leadline.contracts.platform.http import (
    STALE_RESPONSES,
    CurrentUser,
    expected_version,
    signed_in_router,
    version_etag,
)
from leadline.leads.entrypoints.deps import LeadIfMatch, UnitOfWork
from leadline.leads.entrypoints.http_leads import LeadOut
from leadline.leads.service import lifecycle
from leadline.leads.service.commands import MarkLost, MergeLeads

router = signed_in_router(tags=["leads"])


class LostIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"lost_reason_code": "competitor"}]})

    lost_reason_code: str = Field(min_length=1, max_length=40, description="A lost reason that is not archived.")


class MergeIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"merged_lead_id": "0b8a3f0e-8f1b-4c1e-9a52-3f2d1c0b9e77"}]}
    )

    merged_lead_id: UUID = Field(description="The lead that goes away; its items move to the lead in the path.")
    merged_lead_version: StrictInt | None = Field(
        default=None,
        description="The merged lead's version (its ETag without quotes), as If-Match is the survivor's: a merge "
        "of a lead changed meanwhile is refused with 412.",
    )


@router.post(
    "/leads/{lead_id}/lost",
    response_model=LeadOut,
    summary="Mark an open lead lost, with a reason",
    responses=STALE_RESPONSES,
)
async def mark_lost(
    lead_id: UUID, body: LostIn, user: CurrentUser, uow: UnitOfWork, response: Response, if_match: LeadIfMatch = None
) -> LeadOut:
    async with uow:
        lead = await lifecycle.mark_lost(
            uow, MarkLost(lead_id, body.lost_reason_code, expected_version(if_match)), user
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)


@router.post(
    "/leads/{survivor_id}/merge",
    response_model=LeadOut,
    summary="Merge another lead into this one (managers)",
    description="This lead keeps its own values; the other lead's calls, e-mails, documents, deals, tags and "
    "history move to it, and the other lead is removed.",
    responses=STALE_RESPONSES,
)
async def merge_leads(
    survivor_id: UUID,
    body: MergeIn,
    user: CurrentUser,
    uow: UnitOfWork,
    response: Response,
    if_match: LeadIfMatch = None,
) -> LeadOut:
    async with uow:
        lead = await lifecycle.merge_leads(
            uow,
            MergeLeads(survivor_id, body.merged_lead_id, expected_version(if_match), body.merged_lead_version),
            user,
        )
        await uow.commit()
    response.headers["ETag"] = version_etag(lead.version)
    return LeadOut.of(lead)
