"""Leads and the reference data that constrains them. Pure rules: no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from leadline.contracts.auth import Principal
from leadline.contracts.errors import Forbidden, RuleViolation


@dataclass(frozen=True)
class Status:
    code: str
    name: str
    sort_order: int
    closed: bool
    lost: bool


@dataclass(frozen=True)
class LeadType:
    code: str
    name: str
    allowed_statuses: frozenset[str] = field(default_factory=frozenset)

    def allows(self, status: Status) -> bool:
        """A type with no list of allowed statuses allows every status."""
        return not self.allowed_statuses or status.code in self.allowed_statuses


@dataclass(frozen=True)
class ReferenceData:
    statuses: dict[str, Status]
    lead_types: dict[str, LeadType]

    def status(self, code: str) -> Status:
        try:
            return self.statuses[code]
        except KeyError:
            raise RuleViolation(
                f"there is no status {code!r}",
                rule="unknown_status",
                field="status_code",
            ) from None

    def lead_type(self, code: str) -> LeadType:
        try:
            return self.lead_types[code]
        except KeyError:
            raise RuleViolation(
                f"there is no lead type {code!r}",
                rule="unknown_type",
                field="type_code",
            ) from None

    def initial_status(self, lead_type: LeadType) -> Status:
        """The first open status, by sort order, that the type allows."""
        for status in sorted(self.statuses.values(), key=lambda s: s.sort_order):
            if not status.closed and lead_type.allows(status):
                return status
        raise RuleViolation(
            f"lead type {lead_type.name!r} allows no open status",
            rule="no_open_status",
            field="type_code",
        )

    def checked_status(self, lead_type: LeadType, status: Status) -> Status:
        if not lead_type.allows(status):
            raise RuleViolation(
                f"status {status.name!r} is not allowed for lead type {lead_type.name!r}",
                rule="status_not_allowed_for_type",
                field="status_code",
            )
        return status


@dataclass(frozen=True)
class Lead:
    id: UUID
    name: str
    type_code: str
    status_code: str
    closed: bool
    salesperson_id: str | None
    phone: str | None
    email: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int = 1
    origin_kind: str | None = None
    origin_id: UUID | None = None

    def moved_to(
        self,
        status: Status,
        lead_type: LeadType,
        reference: ReferenceData,
        by: str,
        at: datetime,
    ) -> Lead:
        reference.checked_status(lead_type, status)
        return replace(
            self,
            status_code=status.code,
            closed=status.closed,
            updated_by=by,
            updated_at=at,
            version=self.version + 1,
        )


def ensure_may_change(lead: Lead, user: Principal) -> None:
    """A salesperson changes only their own leads; a manager changes every lead."""
    if not user.is_manager and lead.salesperson_id != user.user_id:
        raise Forbidden(
            "a salesperson may change only their own leads",
            rule="not_your_lead",
            field="salesperson_id",
        )


def ensure_may_assign(salesperson_id: str | None, user: Principal) -> None:
    if not user.is_manager and salesperson_id != user.user_id:
        raise Forbidden(
            "a salesperson creates leads for themselves; only a manager assigns others",
            rule="assign_requires_manager",
            field="salesperson_id",
        )
