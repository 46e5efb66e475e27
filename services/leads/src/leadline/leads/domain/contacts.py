"""A partner's contact persons (the manual's "contacts"): who at the customer a lead is worked with. Part of their
partner: a change of one is a change of the partner (its version, its event). No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from leadline.contracts.platform.errors import Conflict, RuleViolation

CONTACT_FIELDS = frozenset({"name", "role", "phones", "emails"})


@dataclass(frozen=True)
class Contact:
    id: UUID
    partner_id: UUID
    name: str
    role: str | None = None
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()  # lower case

    def edited(self, changes: Mapping[str, Any]) -> Contact:
        unknown = set(changes) - CONTACT_FIELDS
        if unknown:
            raise RuleViolation(f"{sorted(unknown)} cannot be edited", rule="not_editable", field=sorted(unknown)[0])
        if "name" in changes and not changes["name"]:
            raise RuleViolation("a contact person has a name", rule="required", field="name")
        return replace(self, **changes)


def ensure_contact_of(contact: Contact | None, contact_id: UUID, partner_id: UUID | None) -> None:
    """A lead names one of its own partner's contact persons."""
    if contact is None:
        raise RuleViolation(f"there is no contact person {contact_id}", rule="unknown_contact", field="contact_id")
    if contact.partner_id != partner_id:
        raise RuleViolation(
            f"{contact.name} is a contact person of another partner than the lead's; choose one of its partner's "
            "(or clear contact_id)",
            rule="contact_not_of_partner",
            field="contact_id",
        )


def ensure_contact_removable(contact: Contact, *, naming_leads: int) -> None:
    if naming_leads:
        raise Conflict(
            f"{naming_leads} lead{'' if naming_leads == 1 else 's'} name {contact.name} as their contact person; "
            "name another first",
            rule="contact_in_use",
            field="contact_id",
            extensions={"lead_count": naming_leads},
        )
