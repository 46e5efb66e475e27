"""Reading the pipeline board: a pipeline's stages as columns with their totals and first cards, more cards of a
stage, one card. Codes a caller filters by are checked, so a typo is a 422 naming the parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import NotFound
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.domain.board import ColumnTotals
from leadline.leads.domain.deal_filters import DealFilter
from leadline.leads.domain.deals import DealWithNames, pipeline_columns, pipeline_of
from leadline.leads.domain.model import ReferenceData, ReferenceItem


@dataclass(frozen=True)
class DealCard:
    deal_with_names: DealWithNames
    priority: ReferenceItem | None  # the lead's, with its colour


@dataclass(frozen=True)
class StageColumn:
    stage: ReferenceItem
    count: int
    value: dict[str, Decimal]  # by currency
    cards: list[DealCard] = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class PipelineBoard:
    pipeline: ReferenceItem
    columns: list[StageColumn]


async def pipeline_board(
    uow: LeadsUnitOfWork, user: Principal, pipeline_code: str, where: DealFilter, *, limit: int
) -> PipelineBoard:
    """The stages with their totals and the first ``limit`` cards of each, in the user's order."""
    reference = await uow.reference.load()
    pipeline = pipeline_of(reference, pipeline_code)
    _check_filter(reference, where)
    totals = ColumnTotals.of(
        (t.stage_code, t.currency, t.count, t.value) for t in await uow.deal_queries.stage_totals(pipeline.code, where)
    )
    stages = pipeline_columns(reference, pipeline.code, occupied=totals.counts.keys())
    pages = [
        await uow.deal_queries.stage_page(user.user_id, stage.code, where, limit=limit, cursor=None)
        if _may_hold(stage, where)
        else ([], None)
        for stage in stages
    ]
    cards = {
        card.deal_with_names.deal.id: card
        for card in await _cards(uow, reference, [i for ids, _ in pages for i in ids])
    }
    return PipelineBoard(
        pipeline,
        [
            StageColumn(stage, totals.count(stage.code), totals.sum(stage.code), [cards[i] for i in ids], next_cursor)
            for stage, (ids, next_cursor) in zip(stages, pages, strict=True)
        ],
    )


async def stage_cards(
    uow: LeadsUnitOfWork,
    user: Principal,
    pipeline_code: str,
    stage_code: str,
    where: DealFilter,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[DealCard], str | None]:
    """More cards of one stage (the board gives the first page)."""
    reference = await uow.reference.load()
    pipeline = pipeline_of(reference, pipeline_code)
    _check_filter(reference, where)
    stage = next((s for s in pipeline_columns(reference, pipeline.code) if s.code == stage_code), None)
    if stage is None:
        raise NotFound(
            f"there is no stage {stage_code!r} on the board of pipeline {pipeline.code!r}",
            rule="no_such_column",
            field="stage_code",
        )
    if not _may_hold(stage, where):
        return [], None
    ids, next_cursor = await uow.deal_queries.stage_page(user.user_id, stage.code, where, limit=limit, cursor=cursor)
    return await _cards(uow, reference, ids), next_cursor


async def deal_card(uow: LeadsUnitOfWork, deal_id: UUID) -> DealCard:
    return (await _cards(uow, await uow.reference.load(), [deal_id]))[0]


def _may_hold(stage: ReferenceItem, where: DealFilter) -> bool:
    """A deal's outcome is its stage's: the cards of a stage that closes deals otherwise than the board shows (open
    ones, won or lost) are not looked for, which would read every deal the stage ever closed."""
    return (stage.outcome or "open") == where.state


def _check_filter(reference: ReferenceData, where: DealFilter) -> None:
    if where.lead_type_code is not None:
        reference.lead_type(where.lead_type_code)


async def _cards(uow: LeadsUnitOfWork, reference: ReferenceData, ids: list[UUID]) -> list[DealCard]:
    return [
        DealCard(found, reference.shown("priority", found.priority_code) if found.priority_code else None)
        for found in await uow.deal_queries.cards(ids)
    ]
