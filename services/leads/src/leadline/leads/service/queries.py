"""Read use cases: the lead list with its daily-routine views, and the kanban board.

Codes a caller filters by are checked against the reference data (archived ones included, since
old leads carry them): a typo is a 422 naming the parameter, not an empty list that looks true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound, RuleViolation
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.board import ColumnTotals, SalespersonCandidate, board_columns, is_overdue
from leadline.leads.domain.lead_filters import LeadFilter, LeadOrder
from leadline.leads.domain.model import Lead, LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.next_steps import is_next_step_overdue

# Filters that name a reference item, and the item's kind.
_CODED_FILTERS = {
    "priority_code": "priority",
    "tag": "tag",
    "source_code": "source",
    "campaign_code": "campaign",
    "channel_code": "channel",
}


async def list_leads(
    uow: LeadsUnitOfWork, where: LeadFilter, order: LeadOrder, *, limit: int, cursor: str | None
) -> tuple[list[Lead], str | None]:
    if where.type_code or where.status_code or any(getattr(where, name) for name in _CODED_FILTERS):
        _check_known_codes(await uow.reference.load(), where)
    return await uow.queries.page(where, order, limit=limit, cursor=cursor)


def _check_known_codes(reference: ReferenceData, where: LeadFilter) -> None:
    if where.type_code:
        reference.lead_type(where.type_code)
    if where.status_code:
        reference.status(where.status_code)
    for name, kind in _CODED_FILTERS.items():
        code = getattr(where, name)
        if code and (kind, code) not in reference.items:
            raise RuleViolation(f"there is no {kind} {code!r}", rule=f"unknown_{kind}", field=name)


@dataclass(frozen=True)
class BoardCard:
    """A lead as a kanban card shows it."""

    lead: Lead
    title: str  # "type : name"
    partner_name: str | None
    salesperson_name: str | None
    priority: ReferenceItem | None
    tags: list[ReferenceItem]
    overdue: bool
    next_step_overdue: bool


@dataclass(frozen=True)
class BoardColumn:
    status: Status
    count: int
    revenue: dict[str, Decimal]  # by currency; currencies with no revenue given are left out
    cards: list[BoardCard] = field(default_factory=list)
    next_cursor: str | None = None


async def board(uow: LeadsUnitOfWork, user: Principal, *, type_code: str | None, limit: int) -> list[BoardColumn]:
    """The columns with their totals and the first ``limit`` cards of each, in the user's order."""
    reference = await uow.reference.load()
    totals = ColumnTotals.of(
        (t.status_code, t.currency, t.count, t.revenue)
        for t in await uow.board_totals.per_status_and_currency(type_code)
    )
    columns = board_columns(reference, _lead_type(reference, type_code), occupied=totals.counts.keys())
    pages = [
        await uow.queries.column_page(user.user_id, status.code, type_code=type_code, limit=limit, cursor=None)
        for status in columns
    ]
    cards = {card.lead.id: card for card in await _cards(uow, reference, [i for ids, _ in pages for i in ids])}
    return [
        BoardColumn(
            status,
            totals.count(status.code),
            totals.sum(status.code),
            [cards[lead_id] for lead_id in ids],
            next_cursor,
        )
        for status, (ids, next_cursor) in zip(columns, pages, strict=True)
    ]


async def column_cards(
    uow: LeadsUnitOfWork, user: Principal, status_code: str, *, type_code: str | None, limit: int, cursor: str | None
) -> tuple[list[BoardCard], str | None]:
    """More cards of one column (the board gives the first page)."""
    reference = await uow.reference.load()
    if status_code not in {s.code for s in board_columns(reference, _lead_type(reference, type_code))}:
        raise NotFound(
            f"there is no column {status_code!r} on the board"
            + (f" of lead type {type_code!r}" if type_code else "")
            + ": columns are the statuses that are not closed (and that the type allows)",
            rule="no_such_column",
            field="status_code",
        )
    ids, next_cursor = await uow.queries.column_page(
        user.user_id, status_code, type_code=type_code, limit=limit, cursor=cursor
    )
    return await _cards(uow, reference, ids), next_cursor


async def board_card(uow: LeadsUnitOfWork, lead_id: UUID) -> BoardCard:
    return (await _cards(uow, await uow.reference.load(), [lead_id]))[0]


async def salesperson_candidates(uow: LeadsUnitOfWork) -> list[SalespersonCandidate]:
    return await uow.queries.salesperson_candidates()


def _lead_type(reference: ReferenceData, type_code: str | None) -> LeadType | None:
    return reference.lead_type(type_code) if type_code else None


async def _cards(uow: LeadsUnitOfWork, reference: ReferenceData, ids: list[UUID]) -> list[BoardCard]:
    now = datetime.now(UTC)
    today = now.date()

    return [
        BoardCard(
            lead=found.lead,
            title=f"{reference.lead_types[found.lead.type_code].name} : {found.lead.name}",  # types are foreign keys
            partner_name=found.partner_name,
            salesperson_name=found.salesperson_name,
            priority=reference.shown("priority", found.lead.priority_code) if found.lead.priority_code else None,
            tags=[reference.shown("tag", tag) for tag in sorted(found.lead.tags)],
            overdue=is_overdue(found.lead.expected_close, closed=found.lead.closed, today=today),
            next_step_overdue=is_next_step_overdue(found.lead.next_step_at, closed=found.lead.closed, now=now),
        )
        for found in await uow.queries.with_names(ids)
    ]
