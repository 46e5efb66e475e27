"""The FastAPI dependencies of the leads routers, declared once: the router every endpoint hangs from, the
request's unit of work and the If-Match header of each versioned resource. Who is signed in (CurrentUser,
Manager) and the company's time zone are every service's: leadline.contracts.http."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from leadline.contracts.http import PROBLEM_RESPONSES, current_user, unit_of_work
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork

UnitOfWork = Annotated[LeadsUnitOfWork, Depends(unit_of_work)]

# The document shows each header's description on its operations, so each says whose ETag it takes.
LeadIfMatch = Annotated[str | None, Header(description="The lead's ETag; a stale one is refused with 412")]
LeadCardIfMatch = Annotated[
    str | None, Header(description="The lead's ETag (the card's version); a stale one is refused with 412")
]
DealIfMatch = Annotated[
    str | None, Header(description="The deal's ETag (its version); a stale one is refused with 412")
]
DealCardIfMatch = Annotated[
    str | None, Header(description="The deal's ETag (the card's version); a stale one is refused with 412")
]
PartnerIfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one is refused with 412.")]
ContactIfMatch = Annotated[
    str | None, Header(description="The partner's ETag: a contact person is part of it; a stale one is refused (412)")
]


def signed_in_router(*, tags: list[str | Enum] | None = None) -> APIRouter:
    """A router whose every endpoint needs a signed-in user and documents the problems any endpoint may answer."""
    return APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES, tags=tags)
