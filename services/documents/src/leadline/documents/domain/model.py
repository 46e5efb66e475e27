"""What documents know of a lead: the fields an order or invoice is filled from. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class LeadCopy:
    """The documents service's own copy of a lead, kept current from lead events."""

    lead_id: UUID
    name: str
    status_code: str
    closed: bool
    salesperson_id: str | None
    phone: str | None
    email: str | None
