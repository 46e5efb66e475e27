"""What callers ask the leads service to do. Plain data, validated at the edge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class NewDeal:
    name: str
    pipeline_code: str
    stage_code: str
    value: Decimal
    currency: str | None = None  # the lead's currency when not given


@dataclass(frozen=True)
class CreateLead:
    """A new lead; ``fields`` are any of the lead's editable fields (see domain.model.EDITABLE_FIELDS). With
    ``first_deal``, its first deal too, in the same transaction and the same history entry."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    first_deal: NewDeal | None = None


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


@dataclass(frozen=True)
class MarkLost:
    lead_id: UUID
    lost_reason_code: str
    expected_version: int | None = None


@dataclass(frozen=True)
class DeleteLead:
    lead_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class MergeLeads:
    """``merged_lead_id`` goes away; ``survivor_id`` keeps its values and gains the other's items. Each
    expected version, when given, must be its lead's current one."""

    survivor_id: UUID
    merged_lead_id: UUID
    expected_version: int | None = None
    merged_lead_expected_version: int | None = None


@dataclass(frozen=True)
class AddDeal:
    lead_id: UUID
    deal: NewDeal


@dataclass(frozen=True)
class EditDeal:
    lead_id: UUID
    deal_id: UUID
    changes: Mapping[str, Any]
    expected_version: int | None = None


@dataclass(frozen=True)
class RemoveDeal:
    lead_id: UUID
    deal_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class MoveCard:
    """A kanban card dropped into the column of ``status_code``: right below ``after_lead_id`` or right
    above ``before_lead_id`` (at most one of them; neither: at the top)."""

    lead_id: UUID
    status_code: str
    before_lead_id: UUID | None = None
    after_lead_id: UUID | None = None
    expected_version: int | None = None  # of the lead


@dataclass(frozen=True)
class MoveDeal:
    """A card of the pipeline board dropped into the column of ``stage_code``: right below ``after_deal_id`` or
    right above ``before_deal_id`` (at most one of them; neither: at the top)."""

    pipeline_code: str
    deal_id: UUID
    stage_code: str
    before_deal_id: UUID | None = None
    after_deal_id: UUID | None = None
    expected_version: int | None = None  # of the deal
