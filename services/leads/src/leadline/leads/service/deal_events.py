"""The events of a deal's change, shared by every use case that changes deals (its own, and creating a lead with
its first deal)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from leadline.contracts.platform.auth import Principal
from leadline.contracts.wire.events import DealLostV1, DealStageChangedV1, DealWonV1, LeadDealChangedV1
from leadline.leads.domain.deals import Deal
from leadline.leads.service.unit_of_work import AbstractUnitOfWork


async def announce_deal(
    uow: AbstractUnitOfWork, before: Deal | None, after: Deal, user: Principal, at: datetime, *, removed: bool = False
) -> None:
    """``lead.deal_changed.v1`` with the deal's whole state; beside it, for a move, ``deal.stage_changed.v1``, and
    ``deal.won.v1`` / ``deal.lost.v1`` when the stage it entered closed it so."""
    change: Literal["added", "changed", "removed"] = "removed" if removed else "added" if before is None else "changed"
    await uow.outbox.add(
        LeadDealChangedV1(
            lead_id=after.lead_id,
            deal_id=after.id,
            change=change,
            name=after.name,
            pipeline_code=after.pipeline_code,
            stage_code=after.stage_code,
            value=after.value,
            currency=after.currency,
            changed_by=user.user_id,
            changed_at=at,
        )
    )
    if removed:
        return
    if before is not None and before.stage_code != after.stage_code:
        await uow.outbox.add(
            DealStageChangedV1(
                lead_id=after.lead_id,
                deal_id=after.id,
                pipeline_code=after.pipeline_code,
                from_stage_code=before.stage_code,
                to_stage_code=after.stage_code,
                outcome=after.outcome,
                changed_by=user.user_id,
                changed_at=at,
            )
        )
    if after.outcome is not None and after.closed_at == at:
        closed = DealWonV1 if after.outcome == "won" else DealLostV1
        await uow.outbox.add(
            closed(
                lead_id=after.lead_id,
                deal_id=after.id,
                name=after.name,
                pipeline_code=after.pipeline_code,
                stage_code=after.stage_code,
                value=after.value,
                currency=after.currency,
                closed_by=user.user_id,
                closed_at=at,
            )
        )
