"""The rules of changing the configuration of leads: statuses, lead types, reference items, the sales
team directory, partners and settings. Pure: what uses an item (leads, deals) is counted by the caller
and passed in.

Decisions kept here so every entrypoint gets the same answer:
- Exactly one status is the lost one, and it is closed. Flagging another status as lost moves the
  flag (the former lost status is changed too); clearing the flag of the lost status is refused,
  because that would leave the lost action nowhere to go.
- A status that leads are in (or a lead type lists) is archived instead of deleted: its leads keep
  it, no lead enters it any more. Its closed flag cannot change while leads are in it, since they
  would silently open or close. The lost status is neither deleted nor archived.
- Every lead type must allow at least one open status, or no lead of it could be created.
- Reference items in use (by a lead, a deal, or a pipeline's stages) are archived instead of deleted:
  old leads keep their meaning, new ones can no longer choose them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.platform.errors import Conflict, Forbidden, NotFound, RuleViolation
from leadline.leads.domain.model import REFERENCE_KINDS, LeadType, ReferenceData, ReferenceItem, Status

_Changed = TypeVar("_Changed", Status, LeadType, ReferenceItem, "Employee", "Partner")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _with_changes(before: _Changed, changes: Mapping[str, Any], *, clearable: frozenset[str] = frozenset()) -> _Changed:
    """``before`` with ``changes`` applied; only a field in ``clearable`` may be set to null."""
    cleared = sorted(name for name, value in changes.items() if value is None and name not in clearable)
    if cleared:
        raise RuleViolation(f"{cleared[0]} cannot be cleared", rule="required", field=cleared[0])
    return replace(before, **changes)


# Statuses and lead types


def existing_status(reference: ReferenceData, code: str) -> Status:
    try:
        return reference.statuses[code]
    except KeyError:
        raise NotFound(f"there is no status {code!r}", rule="status_not_found", field="code") from None


def status_created(reference: ReferenceData, status: Status) -> list[Status]:
    """The statuses to write for a new status: itself, and the former lost status when it takes the flag."""
    if status.code in reference.statuses:
        raise Conflict(f"there is a status {status.code!r} already", rule="duplicate_code", field="code")
    return _statuses_saved(reference, status)


def status_changed(
    reference: ReferenceData, code: str, changes: Mapping[str, Any], *, leads_in_status: int
) -> list[Status]:
    """The statuses to write when ``changes`` (name, sort_order, closed, lost) apply to status ``code``."""
    before = existing_status(reference, code)
    after = _with_changes(before, changes)
    if after.lost and after.archived:
        raise RuleViolation(
            f"status {after.name!r} is the lost status; flag another status as lost before archiving it",
            rule="lost_status_required",
            field="archived" if "archived" in changes else "lost",
        )
    if before.lost and not after.lost:
        raise RuleViolation(
            f"status {before.name!r} is the lost status; flag another status as lost to move the flag",
            rule="lost_status_required",
            field="lost",
        )
    if before.closed != after.closed and leads_in_status:
        raise Conflict(
            f"{_plural(leads_in_status, 'lead')} in status {before.name!r} would "
            f"{'close' if after.closed else 'reopen'}; move them to another status first",
            rule="status_in_use",
            field="closed",
            extensions={"lead_count": leads_in_status},
        )
    return _statuses_saved(reference, after, field="archived" if after.archived != before.archived else "closed")


def _statuses_saved(reference: ReferenceData, status: Status, *, field: str = "closed") -> list[Status]:
    if status.lost and not status.closed:
        raise RuleViolation("the lost status must be a closed one", rule="lost_status_must_be_closed", field="closed")
    saved = [status]
    former_lost = reference.lost_status
    if status.lost and former_lost is not None and former_lost.code != status.code:
        saved.append(replace(former_lost, lost=False))
    statuses = {**reference.statuses, **{s.code: s for s in saved}}
    _ensure_every_type_allows_an_open_status(statuses, reference.lead_types.values(), field=field)
    return saved


def status_removed(reference: ReferenceData, code: str, *, leads_in_status: int) -> Status | None:
    """What remains of a status asked to be deleted: archived while leads are in it or a lead type lists
    it, else nothing. The lost status stays, since the lost action needs somewhere to go."""
    status = existing_status(reference, code)
    if status.lost:
        raise RuleViolation(
            f"status {status.name!r} is the lost status; flag another status as lost first",
            rule="lost_status_required",
            field="code",
        )
    remaining = {c: s for c, s in reference.statuses.items() if c != code}
    _ensure_every_type_allows_an_open_status(remaining, reference.lead_types.values(), field="code")
    in_use = leads_in_status > 0 or any(code in t.allowed_statuses for t in reference.lead_types.values())
    return replace(status, archived=True) if in_use else None


def existing_lead_type(reference: ReferenceData, code: str) -> LeadType:
    try:
        return reference.lead_types[code]
    except KeyError:
        raise NotFound(f"there is no lead type {code!r}", rule="lead_type_not_found", field="code") from None


def lead_type_created(reference: ReferenceData, lead_type: LeadType) -> LeadType:
    if lead_type.code in reference.lead_types:
        raise Conflict(f"there is a lead type {lead_type.code!r} already", rule="duplicate_code", field="code")
    return _lead_type_checked(reference, lead_type)


def lead_type_changed(reference: ReferenceData, code: str, changes: Mapping[str, Any]) -> LeadType:
    return _lead_type_checked(reference, _with_changes(existing_lead_type(reference, code), changes))


def statuses_no_longer_allowed(reference: ReferenceData, before: LeadType, after: LeadType) -> frozenset[str]:
    """Statuses ``before`` allowed and ``after`` does not (an empty list allows every status)."""
    return frozenset(s.code for s in reference.statuses.values() if before.allows(s) and not after.allows(s))


def ensure_no_lead_stranded(lead_type: LeadType, *, leads_in_dropped_statuses: int) -> None:
    """Leads of a type must stay in a status the type allows, or no edit of theirs would pass."""
    if leads_in_dropped_statuses:
        raise Conflict(
            f"{_plural(leads_in_dropped_statuses, 'lead')} of type {lead_type.name!r} are in statuses the new list "
            "leaves out; move them first",
            rule="status_in_use",
            field="allowed_statuses",
            extensions={"lead_count": leads_in_dropped_statuses},
        )


def _lead_type_checked(reference: ReferenceData, lead_type: LeadType) -> LeadType:
    unknown = sorted(lead_type.allowed_statuses - reference.statuses.keys())
    if unknown:
        raise RuleViolation(
            f"there is no status {', '.join(map(repr, unknown))}", rule="unknown_status", field="allowed_statuses"
        )
    _ensure_every_type_allows_an_open_status(reference.statuses, [lead_type], field="allowed_statuses")
    return lead_type


def _ensure_every_type_allows_an_open_status(
    statuses: Mapping[str, Status], lead_types: Iterable[LeadType], *, field: str
) -> None:
    for lead_type in lead_types:
        if not any(not s.closed and not s.archived and lead_type.allows(s) for s in statuses.values()):
            raise RuleViolation(
                f"lead type {lead_type.name!r} would allow no open status, so no lead of it could be created",
                rule="type_needs_open_status",
                field=field,
            )


# Reference items


@dataclass(frozen=True)
class Usage:
    """What refers to a reference item."""

    leads: int = 0
    deals: int = 0
    stages: int = 0  # of a pipeline

    @property
    def in_use(self) -> bool:
        return bool(self.leads or self.deals or self.stages)

    def __str__(self) -> str:
        counts = ((self.leads, "lead"), (self.deals, "deal"), (self.stages, "stage"))
        return ", ".join(_plural(count, noun) for count, noun in counts if count) or "nothing"


def ensure_reference_kind(kind: str) -> None:
    if kind not in REFERENCE_KINDS:
        raise NotFound(
            f"there is no kind of reference data {kind!r}; there are {', '.join(REFERENCE_KINDS)}",
            rule="unknown_reference_kind",
            field="kind",
        )


def existing_item(reference: ReferenceData, kind: str, code: str) -> ReferenceItem:
    ensure_reference_kind(kind)
    try:
        return reference.items[(kind, code)]
    except KeyError:
        raise NotFound(f"there is no {_label(kind)} {code!r}", rule="reference_item_not_found", field="code") from None


def item_created(reference: ReferenceData, item: ReferenceItem) -> ReferenceItem:
    ensure_reference_kind(item.kind)
    if (item.kind, item.code) in reference.items:
        raise Conflict(
            f"there is a {_label(item.kind)} {item.code!r} already (maybe archived)",
            rule="duplicate_code",
            field="code",
        )
    _check_parent(reference, item)
    _check_stage_fields(item)
    return item


def item_changed(reference: ReferenceData, kind: str, code: str, changes: Mapping[str, Any]) -> ReferenceItem:
    before = existing_item(reference, kind, code)
    after = _with_changes(before, changes, clearable=frozenset({"colour", "probability", "outcome"}))
    if after.parent_code != before.parent_code or (before.archived and not after.archived):
        _check_parent(reference, after)
    _check_stage_fields(after)
    return after


def ensure_stage_may_move(stage: ReferenceItem, usage: Usage) -> None:
    """Deals name a pipeline and one of its stages: a stage they use stays in its pipeline."""
    if usage.in_use:
        raise Conflict(
            f"stage {stage.name!r} is used by {usage}; it cannot move to another pipeline",
            rule="stage_in_use",
            field="parent_code",
        )


def ensure_stage_outcome_may_change(stage: ReferenceItem, usage: Usage) -> None:
    """A deal's outcome is its stage's: a stage deals are in keeps whether it closes them, and how."""
    if usage.in_use:
        raise Conflict(
            f"stage {stage.name!r} holds {usage}; move them out before changing whether it closes deals",
            rule="stage_in_use",
            field="outcome",
            extensions={"deal_count": usage.deals},
        )


def item_removed(item: ReferenceItem, usage: Usage) -> ReferenceItem | None:
    """What remains of an item asked to be deleted: archived while something uses it, else nothing."""
    return replace(item, archived=True) if usage.in_use else None


def _check_parent(reference: ReferenceData, item: ReferenceItem) -> None:
    """A stage belongs to a pipeline that is offered; nothing else has a parent."""
    if item.kind != "stage":
        if item.parent_code is not None:
            raise RuleViolation(
                f"only stages have a parent (their pipeline), not a {_label(item.kind)}",
                rule="parent_only_for_stages",
                field="parent_code",
            )
        return
    if item.parent_code is None:
        raise RuleViolation(
            "a stage belongs to a pipeline: give its code", rule="pipeline_required", field="parent_code"
        )
    reference.item("pipeline", item.parent_code, field="parent_code")


def _check_stage_fields(item: ReferenceItem) -> None:
    """Only a stage has a probability and a closing outcome."""
    if item.kind == "stage":
        if item.probability is not None and not 0 <= item.probability <= 100:
            raise RuleViolation("probability is a percentage, 0 to 100", rule="probability_range", field="probability")
        return
    for name in ("probability", "outcome"):
        if getattr(item, name) is not None:
            raise RuleViolation(f"only stages have a {name}, not a {_label(item.kind)}", rule="stage_only", field=name)


def _label(kind: str) -> str:
    return kind.replace("_", " ")


# The sales team directory


@dataclass(frozen=True)
class Employee:
    id: str  # the identity provider's user id
    name: str
    role: Role
    extension: str | None = None  # PBX extension
    archived: bool = False
    email: str | None = None  # work address, lower case: e-mails to it are theirs to triage


def employee_changed(before: Employee, changes: Mapping[str, Any]) -> Employee:
    return _with_changes(before, changes, clearable=frozenset({"extension", "email"}))


def ensure_extension_free(employee: Employee, holders: Iterable[Employee]) -> None:
    """A PBX extension rings one active employee: calls to it are triaged by whoever holds it."""
    if employee.archived or employee.extension is None:
        return
    taken_by = [h for h in holders if h.id != employee.id and not h.archived and h.extension == employee.extension]
    if taken_by:
        raise Conflict(
            f"extension {employee.extension} belongs to {taken_by[0].name} already",
            rule="extension_taken",
            field="extension",
        )


# Partners

PARTNER_FIELDS = frozenset(
    {"name", "tax_id", "contact_person", "phone", "email", "street", "city", "postal_code", "country"}
)


@dataclass(frozen=True)
class Partner:
    """A customer: leads, orders and invoices name it."""

    id: UUID
    name: str
    version: int = 1
    tax_id: str | None = None
    contact_person: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    archived: bool = False

    def edited(self, changes: Mapping[str, Any], user: Principal) -> Partner:
        """The partner with ``changes`` applied, one version on; itself when nothing changes.
        Anyone edits a partner; only a manager archives or restores one."""
        unknown = set(changes) - PARTNER_FIELDS - {"archived"}
        if unknown:
            raise RuleViolation(f"{sorted(unknown)} cannot be edited", rule="not_editable", field=sorted(unknown)[0])
        if changes.get("archived", self.archived) != self.archived and not user.is_manager:
            raise Forbidden("only a manager archives or restores a partner", rule="manager_only", field="archived")
        edited = _with_changes(self, changes, clearable=PARTNER_FIELDS - {"name"})
        return self if edited == self else replace(edited, version=self.version + 1)


# Settings


class SettingKey(StrEnum):
    ORDER_TYPE = "order_type"  # the documents service's document type for orders made from a lead
    INVOICE_TYPE = "invoice_type"
    DEFAULT_CURRENCY = "default_currency"


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def setting_value(key: SettingKey, value: str | None) -> str | None:
    """The value to store: a document type code or null (unset), or an ISO 4217 currency code."""
    if key is SettingKey.DEFAULT_CURRENCY:
        if value is None or not _CURRENCY.match(value):
            raise RuleViolation(
                "default_currency is an ISO 4217 code such as PLN or EUR", rule="invalid_currency", field="value"
            )
        return value
    if value is not None and not value.strip():
        raise RuleViolation(f"{key} is a document type code, or null to unset it", rule="blank_value", field="value")
    return value.strip() if value is not None else None
