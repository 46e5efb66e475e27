"""Calls as the reports count them. Pure.

Every call counts by its direction and how it ended; an inbound one nobody answered is missed, and waits until an
answered call back to its number (time to call back: from the missed call's start to the call back's) or a person
clears it. Calls whose gateway reports no end (call.received.v1) count with no disposition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple
from uuid import UUID


@dataclass(frozen=True)
class CallStart:
    call_id: UUID
    direction: str
    started_at: datetime


@dataclass(frozen=True)
class CallEnd:
    call_id: UUID
    disposition: str
    missed: bool


@dataclass(frozen=True)
class Cleared:
    call_id: UUID
    how: Literal["called_back", "marked_done"]
    seconds: int | None  # to the call back; none when a person cleared it


class CallGroup(NamedTuple):
    """Calls of a period by direction and how they ended (None: no end reported)."""

    period: str
    direction: str
    disposition: str | None
    calls: int


class MissedCalls(NamedTuple):
    """Inbound calls of a period: how many, how many ended, were missed, and how the missed ones were cleared."""

    period: str
    inbound: int
    inbound_ended: int
    missed: int
    called_back: int
    marked_done: int
    callback_seconds: int
