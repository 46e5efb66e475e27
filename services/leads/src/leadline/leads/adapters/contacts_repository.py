"""Reading and writing partners' contact persons."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.tables import leads, partner_contacts
from leadline.leads.domain.contacts import Contact


class ContactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, partner_ids: Collection[UUID]) -> dict[UUID, list[Contact]]:
        """Each partner's contact persons, by name; a partner without any is absent."""
        if not partner_ids:
            return {}
        query = (
            select(partner_contacts)
            .where(partner_contacts.c.partner_id.in_(list(partner_ids)))
            .order_by(partner_contacts.c.name, partner_contacts.c.id)
        )
        found: dict[UUID, list[Contact]] = {}
        for row in (await self._session.execute(query)).mappings():
            found.setdefault(row["partner_id"], []).append(_contact(row))
        return found

    async def get(self, contact_id: UUID) -> Contact | None:
        row = (
            (await self._session.execute(select(partner_contacts).where(partner_contacts.c.id == contact_id)))
            .mappings()
            .first()
        )
        return _contact(row) if row else None

    async def add(self, contact: Contact) -> None:
        await self._session.execute(insert(partner_contacts).values(**_columns(contact)))

    async def save(self, contact: Contact) -> None:
        await self._session.execute(
            update(partner_contacts).where(partner_contacts.c.id == contact.id).values(**_columns(contact))
        )

    async def remove(self, contact: Contact) -> None:
        await self._session.execute(delete(partner_contacts).where(partner_contacts.c.id == contact.id))

    async def naming_leads(self, contact_id: UUID) -> int:
        """How many leads name the contact person."""
        query = select(func.count()).select_from(leads).where(leads.c.contact_id == contact_id)
        return int(await self._session.scalar(query) or 0)


def _contact(row: Any) -> Contact:
    return Contact(**{**row, "phones": tuple(row["phones"]), "emails": tuple(row["emails"])})


def _columns(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "partner_id": contact.partner_id,
        "name": contact.name,
        "role": contact.role,
        "phones": list(contact.phones),
        "emails": list(contact.emails),
    }
