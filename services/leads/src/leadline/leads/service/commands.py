"""What callers ask the leads service to do. Plain data, validated at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CreateLead:
    name: str
    type_code: str
    status_code: str | None = None
    salesperson_id: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class ChangeStatus:
    lead_id: UUID
    status_code: str
    expected_version: int | None = None
