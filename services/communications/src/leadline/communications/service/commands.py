"""What callers ask the communications service to do. Plain data, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class RequestLead:
    """Create a lead from a call in triage; without a name, one is made from the caller's number."""

    call_id: UUID
    name: str | None = None


@dataclass(frozen=True)
class AttachCall:
    call_id: UUID
    lead_id: UUID
