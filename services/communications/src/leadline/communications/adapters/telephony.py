"""Reading and writing what telephony needs beside the calls: reports that came before their call was known, and the
sales team directory."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.communications.adapters.tables import early_call_events, employees
from leadline.communications.domain.directory import Employee
from leadline.contracts.platform.sql import upsert
from leadline.contracts.wire.events import event_type
from leadline.contracts.wire.events.gateway import PbxReport


class EarlyCallEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, pbx_call_ids: Collection[str]) -> dict[str, list[PbxReport]]:
        """The reports kept for each of these calls, in the order they came."""
        query = (
            select(early_call_events)
            .where(early_call_events.c.pbx_call_id.in_(list(pbx_call_ids)))
            .order_by(early_call_events.c.id)
        )
        found: dict[str, list[PbxReport]] = {}
        for row in (await self._session.execute(query)).mappings():
            report: Any = event_type(row["event_type"]).model_validate(row["payload"])
            found.setdefault(row["pbx_call_id"], []).append(report)
        return found

    async def add_all(self, reports: Sequence[PbxReport]) -> None:
        if reports:
            rows = [
                {"pbx_call_id": r.pbx_call_id, "event_type": r.type, "payload": r.model_dump(mode="json")}
                for r in reports
            ]
            await self._session.execute(insert(early_call_events), rows)

    async def remove(self, pbx_call_ids: Collection[str]) -> None:
        if pbx_call_ids:
            await self._session.execute(
                delete(early_call_events).where(early_call_events.c.pbx_call_id.in_(list(pbx_call_ids)))
            )


class EmployeeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, employee_id: str) -> Employee | None:
        row = (
            (await self._session.execute(select(employees).where(employees.c.employee_id == employee_id)))
            .mappings()
            .first()
        )
        return Employee(**row) if row else None

    async def put_all(self, found: Sequence[Employee]) -> None:
        """Adds the employees, or replaces what was known of them; of two for one employee, the last."""
        latest = {employee.employee_id: employee for employee in found}
        if not latest:
            return
        statement = upsert(self._session, employees, key=["employee_id"], replaced=["extension", "archived"])
        await self._session.execute(statement, [vars(employee) for employee in latest.values()])
