"""What the leads service does on a schedule while it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.service import board

# How often the kanban and pipeline board totals take in the changes lead and deal writes left
# (adapters/board_totals.py): a board read adds up what is not folded yet, so this bounds its work (about a second
# of writes), not its freshness.
BOARD_TOTALS_FOLD_SECONDS = 1.0


def board_totals_folding(runtime: ServiceRuntime[LeadsUnitOfWork]) -> Callable[[], Awaitable[None]]:
    async def fold() -> None:
        async with runtime.unit_of_work(read_only=True) as reading:  # an idle service writes nothing
            changed = await board.board_totals_changed(reading)
        if not (changed.kanban or changed.pipeline):
            return
        async with runtime.unit_of_work() as uow:
            await board.fold_board_totals(uow, changed)
            await uow.commit()

    return fold
