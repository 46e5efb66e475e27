"""Triage of calls and e-mails as reporting counts it. Pure.

An item arrives attached (communications matched it) or in triage; a person then attaches it to a lead,
creates a lead from it, or ignores it (and may undo that); or communications attaches it without a person,
once a lead with its number or address appears or an e-mail of its thread is attached. Only a person's
decisions are decisions: the time from arrival to decision is counted for them alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple
from uuid import UUID


class Outcome(StrEnum):
    ATTACHED = "attached"
    CREATED = "created"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Arrival:
    """A call or e-mail as it arrived: matched to a lead (attached) or waiting in triage (no outcome yet)."""

    item_id: UUID
    kind: Literal["call", "email"]
    arrived_at: datetime
    outcome: Outcome | None


# How communications attaches an item in triage without anyone deciding (CallAttachedV1 / EmailAttachedV1 ``how``).
AUTOMATIC_ATTACHMENTS = frozenset({"matched", "thread"})


def decided_by_a_person(how: str) -> bool:
    return how not in AUTOMATIC_ATTACHMENTS


def outcome_of_attachment(how: str) -> Outcome:
    """A lead made from the item counts as created; every other way to a lead as attached."""
    return Outcome.CREATED if how == "lead_created" else Outcome.ATTACHED


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class TriageGroup(NamedTuple):
    """Calls or e-mails that arrived in a period: how many, with each outcome, and of a person's decisions how many
    there were, how many attached, and their seconds from arrival in total."""

    period: str
    kind: str
    arrived: int
    outcomes: dict[Outcome, int]
    decided: int
    decided_attached: int
    decision_seconds: int
