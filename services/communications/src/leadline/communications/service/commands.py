"""What callers ask the communications service to do. Plain data, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class RequestLead:
    """Create a lead from a call or an e-mail in triage; without a name, one is made from what it carries
    (the caller's number; the e-mail's subject)."""

    item_id: UUID
    name: str | None = None


@dataclass(frozen=True)
class Attach:
    """Attach a call or an e-mail in triage to a chosen lead."""

    item_id: UUID
    lead_id: UUID
