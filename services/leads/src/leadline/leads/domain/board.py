"""The kanban board's rules: which statuses are columns, where a dropped card goes, what is overdue; and what the
board reads of a lead (its card's names) and of the salespeople it may give leads to."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID

from leadline.leads.domain.model import Lead, LeadType, ReferenceData, Status

# Fresh neighbours are this far apart, so about fifty drops between the same two cards fit before
# halving the gap runs out of float precision and the column has to be renumbered.
POSITION_STEP = 1024.0


def board_columns(
    reference: ReferenceData, lead_type: LeadType | None, *, occupied: Collection[str] | None = None
) -> list[Status]:
    """One column per status that is not closed, by sort order; only those a type allows when filtered by
    one. An archived status stays a column while leads are in it (``occupied``: the statuses holding leads;
    None: keep every archived column), so its leads can still be seen and moved out."""
    return [
        status
        for status in sorted(reference.statuses.values(), key=lambda s: (s.sort_order, s.code))
        if not status.closed
        and (lead_type is None or lead_type.allows(status))
        and shown_on_board(status.archived, status.code, occupied)
    ]


def shown_on_board(archived: bool, code: str, occupied: Collection[str] | None) -> bool:
    """A column of a board is shown unless archived; an archived one only while cards are in it (``occupied``: the
    columns holding cards; None: keep every archived column), so they can still be seen and moved out."""
    return not archived or occupied is None or code in occupied


@dataclass
class ColumnTotals:
    """A board's column headers: per column the number of cards and the sum of their amounts per currency
    (amounts of different currencies are never added; a currency none of whose cards has an amount is left out)."""

    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, int, Decimal | None]]) -> ColumnTotals:
        """From rows of (column, currency, cards, their amounts' sum or None)."""
        totals = cls()
        for column, currency, count, amount in rows:
            totals.counts[column] = totals.counts.get(column, 0) + count
            if amount is not None:
                totals.sums.setdefault(column, {})[currency] = amount
        return totals

    def count(self, column: str) -> int:
        return self.counts.get(column, 0)

    def sum(self, column: str) -> dict[str, Decimal]:
        return dict(sorted(self.sums.get(column, {}).items()))


def position_between(above: float | None, below: float | None) -> float | None:
    """A card position that sorts after ``above`` and before ``below`` (either may be missing: the top
    or the bottom of the ordered cards). None when no float lies strictly between them any more; then
    the column is renumbered (``spread_positions``) and the card placed again."""
    if above is None:
        return 0.0 if below is None else below - POSITION_STEP
    if below is None:
        return above + POSITION_STEP
    middle = (above + below) / 2
    return middle if above < middle < below else None


def spread_positions(count: int, *, after: float | None = None) -> list[float]:
    """Positions for ``count`` cards in a row, evenly spaced, following ``after`` (or from the top)."""
    start = 0.0 if after is None else after + POSITION_STEP
    return [start + i * POSITION_STEP for i in range(count)]


def placement(above: Sequence[tuple[UUID, float | None]], below: float | None) -> tuple[float, dict[UUID, float]]:
    """Where a card dropped into a column goes, and which cards above it get a (new) position.

    ``above``: the cards over the drop point, top down, with the user's position for each (None: never
    placed, shown after the placed ones, newest first); ``below``: the position of the card right under
    the drop point (None when there is none or it was never placed).
    """
    placed = [at for _, at in above if at is not None]
    unplaced = [card for card, at in above if at is None]
    # Placed cards come first, so the unplaced ones above are the last cards before the drop point.
    # They get positions of their own, after the placed ones, or the dropped card would jump above them.
    given = dict(zip(unplaced, spread_positions(len(unplaced), after=placed[-1] if placed else None), strict=True))
    lowest_above = given[unplaced[-1]] if unplaced else (placed[-1] if placed else None)
    position = position_between(lowest_above, below)
    if position is not None:
        return position, given
    # No float left between the two neighbours (so both are placed, hence every card above is):
    # spread the cards above again, to end one step before the card below.
    assert below is not None
    spread = spread_positions(len(above) + 1, after=below - (len(above) + 2) * POSITION_STEP)
    return spread[-1], {card: at for (card, _), at in zip(above, spread, strict=False)}


def is_overdue(expected_close: date | None, *, closed: bool, today: date) -> bool:
    """An open lead whose expected close date has passed; a closed lead is never overdue."""
    return expected_close is not None and not closed and expected_close < today


@dataclass(frozen=True)
class LeadWithNames:
    """A lead with the names a card shows for what it refers to by id."""

    lead: Lead
    partner_name: str | None
    salesperson_name: str | None


@dataclass(frozen=True)
class SalespersonCandidate:
    """An employee who may be given leads, and how many open leads they hold."""

    id: str
    name: str
    open_leads: int


@dataclass(frozen=True)
class ColumnTotal:
    """Leads of one status in one currency: how many, and their expected revenue (None: none has one)."""

    status_code: str
    currency: str
    count: int
    revenue: Decimal | None
