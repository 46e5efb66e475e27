"""Communications under component test, its e-mail side: what it stored of an e-mail."""

from __future__ import annotations

from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.domain.model import Email
from leadline.contracts.platform.auth import Principal, Role
from tests.support.component.service_under_test import ServiceUnderTest

Communications = ServiceUnderTest[CommunicationsUnitOfWork]


ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101", email="anna@leadline.example")


async def email_of(service: Communications, message_id: str) -> Email:
    async with service.runtime.unit_of_work() as uow:
        email = await uow.emails.get_by_message_id(message_id)
    assert email is not None, f"no e-mail {message_id} was registered"
    return email
