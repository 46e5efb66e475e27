"""The FastAPI dependencies of the leads routers, declared once: the request's unit of work and the If-Match
header of each versioned resource. The router every endpoint hangs from (signed_in_router), who is signed in
(CurrentUser, Manager) and the company's time zone are every service's: leadline.contracts.platform.http."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from leadline.contracts.platform.http import unit_of_work
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
