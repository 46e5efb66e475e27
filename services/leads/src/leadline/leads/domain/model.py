"""Leads and the reference data that constrains them. Pure rules: no I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import Forbidden, RuleViolation


@dataclass(frozen=True)
class Status:
    code: str
    name: str
    sort_order: int
    closed: bool
    lost: bool
    archived: bool = False  # leads in it stay; no lead enters it any more


@dataclass(frozen=True)
class LeadType:
    code: str
    name: str
    allowed_statuses: frozenset[str] = field(default_factory=frozenset)

    def allows(self, status: Status) -> bool:
        """A type with no list of allowed statuses allows every status."""
        return not self.allowed_statuses or status.code in self.allowed_statuses


DealOutcome = Literal["won", "lost"]

REFERENCE_KINDS = ("priority", "tag", "lost_reason", "source", "campaign", "channel", "product", "pipeline", "stage")


@dataclass(frozen=True)
class ReferenceItem:
    """A priority, tag, lost reason, source, campaign, channel, product, pipeline or stage."""

    kind: str
    code: str
    name: str
    colour: str | None = None
    sort_order: int = 0
    parent_code: str | None = None  # a stage's pipeline
    archived: bool = False
    probability: int | None = None  # a stage's: the chance (percent) that a deal in it is won
    outcome: DealOutcome | None = None  # a closing stage's: the deals it receives are won, or lost


@dataclass(frozen=True)
class ReferenceData:
    statuses: dict[str, Status]
    lead_types: dict[str, LeadType]
    items: dict[tuple[str, str], ReferenceItem] = field(default_factory=dict)

    def item(self, kind: str, code: str, *, field: str) -> ReferenceItem:
        """The item a lead is being given; an unknown or archived one is refused, naming the field."""
        found = self.items.get((kind, code))
        if found is None:
            raise RuleViolation(f"there is no {kind.replace('_', ' ')} {code!r}", rule=f"unknown_{kind}", field=field)
        if found.archived:
            raise RuleViolation(
                f"{kind.replace('_', ' ')} {code!r} is archived and cannot be chosen any more",
                rule=f"archived_{kind}",
                field=field,
            )
        return found

    def shown(self, kind: str, code: str) -> ReferenceItem:
        """An item as a card shows it; a code the reference data no longer knows still shows, by its code, without
        a colour."""
        return self.items.get((kind, code)) or ReferenceItem(kind, code, code)

    @property
    def lost_status(self) -> Status | None:
        return next((s for s in self.statuses.values() if s.lost), None)

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
            if not status.closed and not status.archived and lead_type.allows(status):
                return status
        raise RuleViolation(
            f"lead type {lead_type.name!r} allows no open status",
            rule="no_open_status",
            field="type_code",
        )

    def entered_status(self, lead_type: LeadType, status: Status, *, losing: bool = False) -> Status:
        """A status a lead moves into: allowed for its type and not archived. Only the lost action
        (``losing``) enters the lost status, because it records why."""
        if status.lost and not losing:
            raise RuleViolation(
                f"status {status.name!r} is the lost status: use the lost action, which records the reason",
                rule="lost_needs_reason",
                field="status_code",
            )
        if status.archived:
            raise RuleViolation(
                f"status {status.name!r} is archived and cannot be chosen any more",
                rule="archived_status",
                field="status_code",
            )
        return self.checked_status(lead_type, status)

    def checked_status(self, lead_type: LeadType, status: Status) -> Status:
        if not lead_type.allows(status):
            raise RuleViolation(
                f"status {status.name!r} is not allowed for lead type {lead_type.name!r}",
                rule="status_not_allowed_for_type",
                field="status_code",
            )
        return status


@dataclass(frozen=True)
class ContactPoint:
    """Another phone (E.164) or e-mail address (lower case) a lead is known by: one of a lead merged into it, so
    that calls and e-mails from it still find the lead, and so do likely duplicates."""

    kind: Literal["phone", "email"]
    value: str
    from_lead_id: UUID  # the merged lead it was the contact of

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.value

    def plain(self) -> dict[str, str]:
        """As JSON: in history, and in the survivor's LeadUpdatedV1 (field extra_contacts)."""
        return {"kind": self.kind, "value": self.value, "from_lead_id": str(self.from_lead_id)}


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
    status_since: datetime
    lead_date: datetime
    currency: str
    version: int = 1
    partner_id: UUID | None = None
    product_code: str | None = None
    priority_code: str | None = None
    source_code: str | None = None
    campaign_code: str | None = None
    channel_code: str | None = None
    lost_reason_code: str | None = None
    expected_revenue: Decimal | None = None
    probability: int | None = None
    expected_close: date | None = None
    website: str | None = None
    contact_person: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    description: str | None = None
    tags: frozenset[str] = frozenset()
    origin_kind: str | None = None
    origin_id: UUID | None = None
    next_step: str | None = None  # what is to be done next
    next_step_at: datetime | None = None  # when it comes due
    contact_id: UUID | None = None  # one of the partner's contact persons
    extra_contacts: tuple[ContactPoint, ...] = ()  # gained from leads merged into it, in the order gained

    @property
    def contact_keys(self) -> frozenset[tuple[str, str]]:
        """Every (kind, value) the lead is known by: its own phone and e-mail, and its extra contact points."""
        own = {("phone", self.phone), ("email", self.email)}
        return frozenset({(kind, value) for kind, value in own if value} | {c.key for c in self.extra_contacts})

    def moved_to(
        self,
        status: Status,
        lead_type: LeadType,
        reference: ReferenceData,
        by: str,
        at: datetime,
        *,
        losing: bool = False,
    ) -> Lead:
        if status.code != self.status_code:
            reference.entered_status(lead_type, status, losing=losing)
        else:
            reference.checked_status(lead_type, status)
        return replace(
            self,
            status_code=status.code,
            closed=status.closed,
            status_since=at if status.code != self.status_code else self.status_since,
            lost_reason_code=self.lost_reason_code if status.lost else None,
            updated_by=by,
            updated_at=at,
            version=self.version + 1,
        )

    def edited(
        self, changes: Mapping[str, Any], reference: ReferenceData, by: str, at: datetime
    ) -> tuple[Lead, list[FieldChange]]:
        """The lead with ``changes`` applied after checking every rule, and what changed (for history)."""
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise RuleViolation(f"{sorted(unknown)} cannot be edited", rule="not_editable", field=sorted(unknown)[0])
        cleared = sorted(name for name in NOT_NULL_FIELDS if name in changes and changes[name] is None)
        if cleared:
            raise RuleViolation(f"a lead always has a {cleared[0]}", rule="required", field=cleared[0])
        edited = replace(self, **changes)
        if "product_code" in changes and edited.product_code is not None:
            product = reference.item("product", edited.product_code, field="product_code")
            if not edited.name:
                edited = replace(edited, name=product.name)  # the spec: name from the product when empty
        if not edited.name:
            raise RuleViolation(
                "a lead needs a name (or a product to take it from)", rule="name_required", field="name"
            )
        for field_name, kind in REFERENCE_FIELDS.items():
            value = getattr(edited, field_name)
            if field_name in changes and value is not None:
                reference.item(kind, value, field=field_name)
        for tag in edited.tags - self.tags:
            reference.item("tag", tag, field="tags")
        lead_type = reference.lead_type(edited.type_code)
        status = reference.status(edited.status_code)
        if status.code != self.status_code:
            reference.entered_status(lead_type, status)
            edited = replace(
                edited,
                closed=status.closed,
                status_since=at,
                lost_reason_code=edited.lost_reason_code if status.lost else None,  # a reopened lead is not lost
            )
        else:
            reference.checked_status(lead_type, status)  # its type may have changed
        if edited.probability is not None and not 0 <= edited.probability <= 100:
            raise RuleViolation("probability is a percentage, 0 to 100", rule="probability_range", field="probability")
        if edited.expected_revenue is not None and edited.expected_revenue < 0:
            raise RuleViolation(
                "expected revenue cannot be negative", rule="negative_revenue", field="expected_revenue"
            )
        diff = [
            FieldChange(name, plain_value(getattr(self, name)), plain_value(getattr(edited, name)))
            for name in sorted(EDITABLE_FIELDS | DERIVED_FIELDS)
            if getattr(self, name) != getattr(edited, name)
        ]
        if not diff:
            return self, []
        return replace(edited, updated_by=by, updated_at=at, version=self.version + 1), diff


# Fields every lead has a value of (a create without them takes a default); the name has its own rule.
NOT_NULL_FIELDS = frozenset({"type_code", "status_code", "currency", "lead_date"})

# Fields a lead's rules change as a consequence of an edit; history shows them beside the edit.
DERIVED_FIELDS = frozenset({"closed", "lost_reason_code"})

# Which reference kind each coded field of a lead refers to.
REFERENCE_FIELDS = {
    "product_code": "product",
    "priority_code": "priority",
    "source_code": "source",
    "campaign_code": "campaign",
    "channel_code": "channel",
}

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "type_code",
        "status_code",
        "salesperson_id",
        "partner_id",
        "phone",
        "email",
        "website",
        "contact_person",
        "street",
        "city",
        "postal_code",
        "country",
        "description",
        "lead_date",
        "currency",
        "expected_revenue",
        "probability",
        "expected_close",
        "tags",
        "next_step",
        "next_step_at",
        "contact_id",
        *REFERENCE_FIELDS,
    }
)


@dataclass(frozen=True)
class FieldChange:
    """One line of a lead's history: a field, what it was and what it became (as JSON values)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    """What was done to a lead, by whom and when, and the fields it changed."""

    at: datetime
    by: str
    action: str
    changes: list[FieldChange]
    merged_from_lead_id: UUID | None  # the lead the entry was recorded on, when it came with a merge into this one


def status_move_changes(before: Lead, after: Lead) -> list[FieldChange]:
    """What a move between statuses changed: the status, and the lost reason a reopened lead drops."""
    return [
        FieldChange(name, getattr(before, name), getattr(after, name))
        for name in ("status_code", "lost_reason_code")
        if getattr(before, name) != getattr(after, name)
    ]


def plain_value(value: Any) -> Any:
    """A field's value as history records it: plain JSON (decimals, ids and dates as strings)."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Decimal | UUID | date | datetime):
        return str(value) if not isinstance(value, date | datetime) else value.isoformat()
    return value


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


def ensure_may_reassign(user: Principal) -> None:
    if not user.is_manager:
        raise Forbidden("only a manager reassigns a lead", rule="assign_requires_manager", field="salesperson_id")
