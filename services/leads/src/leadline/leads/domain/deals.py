"""Deals a lead carries: a name, a pipeline, a stage of that pipeline and a value; won or lost once a closing stage
receives them. The pipeline board's columns. No I/O here."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from leadline.contracts.platform.errors import NotFound, RuleViolation
from leadline.leads.domain.board import shown_on_board
from leadline.leads.domain.model import (
    DealOutcome,
    FieldChange,
    HistoryEntry,
    Lead,
    ReferenceData,
    ReferenceItem,
    plain_value,
)

DEAL_FIELDS = frozenset({"name", "pipeline_code", "stage_code", "value", "currency"})
# What a deal's stage decides; history shows it beside the move that changed it.
OUTCOME_FIELDS = ("outcome", "closed_at")
_HISTORY_FIELDS = ("name", "pipeline_code", "stage_code", "value", "currency", *OUTCOME_FIELDS)


@dataclass(frozen=True)
class Deal:
    id: UUID
    lead_id: UUID
    name: str
    pipeline_code: str
    stage_code: str
    value: Decimal
    currency: str
    created_at: datetime
    stage_since: datetime
    version: int = 1
    outcome: DealOutcome | None = None  # set while the deal is in a closing stage
    closed_at: datetime | None = None  # when it entered the closing stage

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    def checked(self) -> Deal:
        """The deal itself when its values hold: a name, a value not below zero. (Its pipeline and stage are checked
        when it enters them: a deal stays in a stage archived since.)"""
        if not self.name:
            raise RuleViolation("a deal needs a name", rule="name_required", field="name")
        if self.value < 0:
            raise RuleViolation("a deal's value cannot be negative", rule="negative_value", field="value")
        return self

    def entering(self, stage: ReferenceItem, at: datetime) -> Deal:
        """The deal in ``stage`` from ``at``: won or lost when the stage closes deals so (since ``at``, unless it was
        closed so already), open again when it does not."""
        if stage.code == self.stage_code:
            return self
        closed_at = None if stage.outcome is None else (self.closed_at if stage.outcome == self.outcome else at)
        return replace(self, stage_code=stage.code, stage_since=at, outcome=stage.outcome, closed_at=closed_at)

    def edited(self, changes: Mapping[str, Any], reference: ReferenceData, at: datetime) -> Deal:
        """The deal with ``changes`` applied, one version on; itself when nothing changes. A new stage (or pipeline)
        is a move, with all its rules and consequences."""
        unknown = set(changes) - DEAL_FIELDS
        if unknown:
            raise RuleViolation(f"{sorted(unknown)} cannot be edited", rule="not_editable", field=sorted(unknown)[0])
        cleared = sorted(name for name, value in changes.items() if value is None)
        if cleared:
            raise RuleViolation(f"a deal always has a {cleared[0]}", rule="required", field=cleared[0])
        edited = replace(self, **{name: value for name, value in changes.items() if name != "stage_code"})
        stage_code = changes.get("stage_code", self.stage_code)
        if edited.pipeline_code != self.pipeline_code:
            reference.item("pipeline", edited.pipeline_code, field="pipeline_code")
        if edited.pipeline_code != self.pipeline_code or stage_code != self.stage_code:
            edited = edited.entering(stage_of(reference, edited.pipeline_code, stage_code), at)
        edited = edited.checked()
        return self if edited == self else replace(edited, version=self.version + 1)

    def moved_to(self, stage_code: str, reference: ReferenceData, at: datetime) -> Deal:
        """The deal dropped into another stage of its pipeline (on the board), one version on."""
        moved = self.entering(stage_of(reference, self.pipeline_code, stage_code), at)
        return self if moved == self else replace(moved, version=self.version + 1)

    def history_changes(self, before: Deal | None) -> list[FieldChange]:
        """What changed, for the lead's history; a field is named ``deals[<deal id>].<field>`` so each
        entry says which deal it is about. ``before`` None: the deal is new."""
        return _deal_changes(self.id, before, self)

    def removal_changes(self) -> list[FieldChange]:
        return _deal_changes(self.id, self, None)


def new_deal(
    reference: ReferenceData,
    lead: Lead,
    *,
    name: str,
    pipeline_code: str,
    stage_code: str,
    value: Decimal,
    currency: str | None,
    at: datetime,
) -> Deal:
    """A lead's new deal as it starts: in the lead's currency unless it names one, in its stage since ``at``, and
    closed already when that stage is a closing one."""
    reference.item("pipeline", pipeline_code, field="pipeline_code")
    stage = stage_of(reference, pipeline_code, stage_code)
    deal = Deal(
        id=uuid.uuid4(),
        lead_id=lead.id,
        name=name,
        pipeline_code=pipeline_code,
        stage_code=stage.code,
        value=value,
        currency=currency or lead.currency,
        created_at=at,
        stage_since=at,
        outcome=stage.outcome,
        closed_at=at if stage.outcome else None,
    )
    return deal.checked()


def stage_of(reference: ReferenceData, pipeline_code: str, stage_code: str) -> ReferenceItem:
    """A stage a deal may enter: known, not archived, and of the deal's pipeline."""
    stage = reference.item("stage", stage_code, field="stage_code")
    if stage.parent_code != pipeline_code:
        raise RuleViolation(
            f"stage {stage.name!r} is not a stage of pipeline {pipeline_code!r}",
            rule="stage_not_in_pipeline",
            field="stage_code",
        )
    return stage


def history_mentions(entry: HistoryEntry, deal_id: UUID) -> bool:
    """Whether a history entry's changes are about the deal (see ``Deal.history_changes``)."""
    prefix = f"deals[{deal_id}]."
    return any(change.field.startswith(prefix) for change in entry.changes)


def _deal_changes(deal_id: UUID, before: Deal | None, after: Deal | None) -> list[FieldChange]:
    def value(deal: Deal | None, name: str) -> Any:
        return None if deal is None else plain_value(getattr(deal, name))

    return [
        FieldChange(f"deals[{deal_id}].{name}", value(before, name), value(after, name))
        for name in _HISTORY_FIELDS
        if value(before, name) != value(after, name)
    ]


# The pipeline board


def pipeline_of(reference: ReferenceData, code: str) -> ReferenceItem:
    """The pipeline a board is asked for; archived ones too, since their deals are still worked."""
    found = reference.items.get(("pipeline", code))
    if found is None:
        raise NotFound(f"there is no pipeline {code!r}", rule="pipeline_not_found", field="code")
    return found


def pipeline_columns(
    reference: ReferenceData, pipeline_code: str, *, occupied: Collection[str] | None = None
) -> list[ReferenceItem]:
    """The pipeline's stages by sort order; an archived stage only while deals are in it (``occupied``: the stages
    holding deals; None: keep every archived one)."""
    return sorted(
        (
            item
            for item in reference.items.values()
            if item.kind == "stage"
            and item.parent_code == pipeline_code
            and shown_on_board(item.archived, item.code, occupied)
        ),
        key=lambda stage: (stage.sort_order, stage.code),
    )


@dataclass(frozen=True)
class StageTotal:
    """Deals of one stage in one currency: how many, and their value."""

    stage_code: str
    currency: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class DealWithNames:
    """A deal with what its card shows of its lead, and the names of the partner and salesperson."""

    deal: Deal
    lead_name: str
    priority_code: str | None
    partner_id: UUID | None
    partner_name: str | None
    salesperson_id: str | None
    salesperson_name: str | None
