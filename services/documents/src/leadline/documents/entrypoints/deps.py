"""The FastAPI dependencies of the documents routers, declared once: the request's unit of work and the If-Match
header of a document. The router every endpoint hangs from (signed_in_router), who is signed in (CurrentUser,
Manager) and the company's time zone are every service's: leadline.contracts.platform.http."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from leadline.contracts.platform.http import unit_of_work
from leadline.documents.adapters.unit_of_work import DocumentsUnitOfWork

UnitOfWork = Annotated[DocumentsUnitOfWork, Depends(unit_of_work)]

DocumentIfMatch = Annotated[str | None, Header(description="The document's ETag; a stale one is refused with 412")]
