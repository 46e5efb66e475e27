"""What the call routes depend on beside the shared plumbing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service.telephony import user_in_directory
from leadline.contracts.auth import Principal
from leadline.contracts.http import CurrentUser, runtime_of


async def call_user(request: Request, user: CurrentUser) -> Principal:
    """The user, with the PBX extension the sales team directory gives them: whose calls are whose."""
    uow: CommunicationsUnitOfWork = runtime_of(request).unit_of_work(read_only=True)
    async with uow:
        return await user_in_directory(uow, user)


CallUser = Annotated[Principal, Depends(call_user)]
