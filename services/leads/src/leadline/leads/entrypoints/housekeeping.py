"""What the leads service does on a schedule while it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from leadline.contracts.runtime import ServiceRuntime
from leadline.leads.adapters.unit_of_work import LeadsUnitOfWork
from leadline.leads.service import board

# How often the kanban totals take in the changes lead writes left (adapters/board_totals.py): a board read
# adds up what is not folded yet, so this bounds its work (about a second of lead writes), not its freshness.
BOARD_TOTALS_FOLD_SECONDS = 1.0


def board_totals_folding(runtime: ServiceRuntime[LeadsUnitOfWork]) -> Callable[[], Awaitable[None]]:
    async def fold() -> None:
        async with runtime.unit_of_work(read_only=True) as reading:  # an idle service writes nothing
            if not await board.board_totals_have_changes(reading):
                return
        async with runtime.unit_of_work() as uow:
            await board.fold_board_totals(uow)
            await uow.commit()

    return fold
