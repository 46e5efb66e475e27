"""Which deals of a pipeline the board shows: what a user asks of the pipeline board, in the domain's words
(adapters/deal_queries.py turns it into SQL on the deal's own row)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

DealState = Literal["open", "won", "lost"]


@dataclass(frozen=True)
class DealFilter:
    """Which deals of a pipeline the board shows; every condition given must hold (None: not filtered)."""

    state: DealState = "open"
    salesperson_id: str | None = None
    lead_type_code: str | None = None
    partner_id: UUID | None = None
    value_from: Decimal | None = None  # in the deal's own currency, both ends included
    value_to: Decimal | None = None
