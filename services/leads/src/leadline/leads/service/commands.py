"""What callers ask the leads service to do. Plain data, validated at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class CreateLead:
    """A new lead; ``fields`` are any of the lead's editable fields (see domain.model.EDITABLE_FIELDS)."""

    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EditLead:
    lead_id: UUID
    changes: Mapping[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeStatus:
    lead_id: UUID
    status_code: str
    expected_version: int | None = None
