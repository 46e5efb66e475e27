"""The FastAPI dependencies of the communications routers, declared once: the request's unit of work, the blob
store messages and attachments are kept in, and the user with their PBX extension.
The router every endpoint hangs from (signed_in_router), who is signed in (CurrentUser, Manager) and the
company's time zone are every service's: leadline.contracts.platform.http."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from leadline.communications.adapters.blobs import BlobStore
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service.telephony import user_in_directory
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.http import CurrentUser, runtime_of, unit_of_work

UnitOfWork = Annotated[CommunicationsUnitOfWork, Depends(unit_of_work)]


async def blob_store(request: Request) -> BlobStore:
    blobs: BlobStore = request.app.state.blobs
    return blobs


Blobs = Annotated[BlobStore, Depends(blob_store)]


async def call_user(request: Request, user: CurrentUser) -> Principal:
    """The user, with the PBX extension the sales team directory gives them: whose calls are whose."""
    uow: CommunicationsUnitOfWork = runtime_of(request).unit_of_work(read_only=True)
    async with uow:
        return await user_in_directory(uow, user)


CallUser = Annotated[Principal, Depends(call_user)]
