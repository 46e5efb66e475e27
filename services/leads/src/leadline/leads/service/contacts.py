"""Use cases of partners' contact persons. A contact person is part of their partner: each change is one version
of the partner, announced with the partner's whole state (``partner.changed.v1`` lists the contacts). Each runs
inside the caller's unit of work; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.contacts import checked_e164, normalised_email
from leadline.contracts.platform.errors import NotFound
from leadline.leads.domain.contacts import Contact, ensure_contact_removable
from leadline.leads.domain.reference import Partner
from leadline.leads.service.reference import announce_partner, current_partner, get_partner
from leadline.leads.service.unit_of_work import AbstractUnitOfWork


async def contacts_of(uow: AbstractUnitOfWork, partner_id: UUID) -> list[Contact]:
    await get_partner(uow, partner_id)
    return (await uow.contacts.of([partner_id])).get(partner_id, [])


async def add_contact(
    uow: AbstractUnitOfWork,
    partner_id: UUID,
    fields: Mapping[str, Any],
    user: Principal,
    *,
    expected_version: int | None,
    phone_region: str,
) -> tuple[Partner, Contact]:
    partner = await _next_version(uow, partner_id, expected_version)
    contact = Contact(id=uuid.uuid4(), partner_id=partner.id, **_normalised(fields, phone_region))
    await uow.contacts.add(contact)
    await announce_partner(uow, partner, user)
    return partner, contact


async def edit_contact(
    uow: AbstractUnitOfWork,
    partner_id: UUID,
    contact_id: UUID,
    changes: Mapping[str, Any],
    user: Principal,
    *,
    expected_version: int | None,
    phone_region: str,
) -> tuple[Partner, Contact]:
    contact = await _contact_of(uow, partner_id, contact_id)
    edited = contact.edited(_normalised(changes, phone_region))
    if edited == contact:
        return await get_partner(uow, partner_id), contact
    partner = await _next_version(uow, partner_id, expected_version)
    await uow.contacts.save(edited)
    await announce_partner(uow, partner, user)
    return partner, edited


async def remove_contact(
    uow: AbstractUnitOfWork, partner_id: UUID, contact_id: UUID, user: Principal, *, expected_version: int | None
) -> Partner:
    """Refused while a lead names the contact person."""
    contact = await _contact_of(uow, partner_id, contact_id)
    ensure_contact_removable(contact, naming_leads=await uow.contacts.naming_leads(contact.id))
    partner = await _next_version(uow, partner_id, expected_version)
    await uow.contacts.remove(contact)
    await announce_partner(uow, partner, user)
    return partner


async def _next_version(uow: AbstractUnitOfWork, partner_id: UUID, expected_version: int | None) -> Partner:
    partner = await current_partner(uow, partner_id, expected_version)
    changed = replace(partner, version=partner.version + 1)
    await uow.partners.save(changed)
    return changed


async def _contact_of(uow: AbstractUnitOfWork, partner_id: UUID, contact_id: UUID) -> Contact:
    contact = await uow.contacts.get(contact_id)
    if contact is None or contact.partner_id != partner_id:
        raise NotFound(f"partner {partner_id} has no contact person {contact_id}", rule="contact_not_found")
    return contact


def _normalised(fields: Mapping[str, Any], phone_region: str) -> dict[str, Any]:
    """Phones in E.164 and e-mail addresses in lower case, as on leads (calls and e-mails are matched on them),
    each once."""
    normalised = dict(fields)
    if "phones" in normalised:
        phones = (checked_e164(p, phone_region, field="phones") for p in normalised["phones"])
        normalised["phones"] = tuple(dict.fromkeys(phones))
    if "emails" in normalised:
        normalised["emails"] = tuple(dict.fromkeys(normalised_email(str(e)) for e in normalised["emails"]))
    return normalised
