"""Deals a lead carries: a name, a pipeline, a stage of that pipeline and a value. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any
from uuid import UUID

from leadline.contracts.errors import RuleViolation
from leadline.leads.domain.model import FieldChange, ReferenceData, plain_value

DEAL_FIELDS = frozenset({"name", "pipeline_code", "stage_code", "value", "currency"})


@dataclass(frozen=True)
class Deal:
    id: UUID
    lead_id: UUID
    name: str
    pipeline_code: str
    stage_code: str
    value: Decimal
    currency: str
    version: int = 1

    def checked(self, reference: ReferenceData) -> Deal:
        """The deal itself when every rule holds: a live pipeline, a stage of it, a value not below zero."""
        if not self.name:
            raise RuleViolation("a deal needs a name", rule="name_required", field="name")
        reference.item("pipeline", self.pipeline_code, field="pipeline_code")
        stage = reference.item("stage", self.stage_code, field="stage_code")
        if stage.parent_code != self.pipeline_code:
            raise RuleViolation(
                f"stage {stage.name!r} is not a stage of pipeline {self.pipeline_code!r}",
                rule="stage_not_in_pipeline",
                field="stage_code",
            )
        if self.value < 0:
            raise RuleViolation("a deal's value cannot be negative", rule="negative_value", field="value")
        return self

    def edited(self, changes: Mapping[str, Any], reference: ReferenceData) -> Deal:
        unknown = set(changes) - DEAL_FIELDS
        if unknown:
            raise RuleViolation(f"{sorted(unknown)} cannot be edited", rule="not_editable", field=sorted(unknown)[0])
        cleared = sorted(name for name, value in changes.items() if value is None)
        if cleared:
            raise RuleViolation(f"a deal always has a {cleared[0]}", rule="required", field=cleared[0])
        edited = replace(self, **changes).checked(reference)
        return self if edited == self else replace(edited, version=self.version + 1)

    def history_changes(self, before: Deal | None) -> list[FieldChange]:
        """What changed, for the lead's history; a field is named ``deals[<deal id>].<field>`` so each
        entry says which deal it is about. ``before`` None: the deal is new."""
        return _deal_changes(self.id, before, self)

    def removal_changes(self) -> list[FieldChange]:
        return _deal_changes(self.id, self, None)


def _deal_changes(deal_id: UUID, before: Deal | None, after: Deal | None) -> list[FieldChange]:
    def value(deal: Deal | None, name: str) -> Any:
        return None if deal is None else plain_value(getattr(deal, name))

    return [
        FieldChange(f"deals[{deal_id}].{field.name}", value(before, field.name), value(after, field.name))
        for field in fields(Deal)
        if field.name in DEAL_FIELDS and value(before, field.name) != value(after, field.name)
    ]
