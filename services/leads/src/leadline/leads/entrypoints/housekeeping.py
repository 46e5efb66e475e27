"""What the leads service does on a schedule while it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from leadline.contracts.runtime import ServiceRuntime
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork

# How often the kanban and pipeline board totals take in the changes lead and deal writes left
# (adapters/board_totals.py): a board read adds up what is not folded yet, so this bounds its work (about a second
# of writes), not its freshness.
BOARD_TOTALS_FOLD_SECONDS = 1.0


def board_totals_folding(runtime: ServiceRuntime[LeadsUnitOfWork]) -> Callable[[], Awaitable[None]]:
    async def fold() -> None:
        async with runtime.unit_of_work(read_only=True) as reading:  # an idle service writes nothing
            leads_changed = await reading.board_totals.have_changes()
            deals_changed = await reading.deal_totals.have_changes()
        if not (leads_changed or deals_changed):
            return
        async with runtime.unit_of_work() as uow:
            if leads_changed:
                await uow.board_totals.fold()
            if deals_changed:
                await uow.deal_totals.fold()
            await uow.commit()

    return fold
