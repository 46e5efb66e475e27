"""Reading and writing calls and the read model of known leads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.communications.adapters.tables import calls, known_leads
from leadline.communications.domain.model import Call, CallState, KnownLead
from leadline.contracts.errors import StaleVersion
from leadline.contracts.pagination import newest_first


class CallRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, call_id: UUID) -> Call | None:
        return await self._first(calls.c.id == call_id)

    async def get_by_pbx_call_id(self, pbx_call_id: str) -> Call | None:
        return await self._first(calls.c.pbx_call_id == pbx_call_id)

    async def add(self, call: Call) -> None:
        await self._session.execute(insert(calls).values(**_columns(call)))

    async def save(self, call: Call) -> None:
        """Writes a changed call; refused when someone else saved a newer version meanwhile."""
        result = await self._session.execute(
            update(calls).where(calls.c.id == call.id, calls.c.version == call.version - 1).values(**_columns(call))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"call {call.id} was changed by someone else; reload it and try again",
                rule="stale_version",
            )

    async def page(
        self,
        *,
        state: CallState | None,
        extension: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Call], str | None]:
        """Newest received first; the cursor is the position after the last call returned."""
        query = select(calls)
        if state is not None:
            query = query.where(calls.c.state == state)
        if extension is not None:
            query = query.where(calls.c.extension == extension)
        rows, next_cursor = await newest_first(
            self._session, query, at=calls.c.received_at, row_id=calls.c.id, limit=limit, cursor=cursor
        )
        return [_call(row) for row in rows], next_cursor

    async def in_triage_from(self, caller_number: str) -> list[Call]:
        query = select(calls).where(calls.c.caller_number == caller_number, calls.c.state == "triage")
        return [_call(row) for row in (await self._session.execute(query)).mappings()]

    async def of_lead(self, lead_id: UUID) -> list[Call]:
        """Calls attached to the lead, or waiting in triage with it among their candidates."""
        attached = select(calls).where(calls.c.lead_id == lead_id)
        found = {call.id: call for call in await self._many(attached)}
        for call in await self.in_triage_with_candidate(lead_id):
            found.setdefault(call.id, call)
        return list(found.values())

    async def in_triage_with_candidate(self, lead_id: UUID) -> list[Call]:
        # Candidates are a JSON list, which has no portable index: the triage backlog is read instead,
        # through the state index. Called only when a lead is merged or deleted, which is rare.
        triage = select(calls).where(calls.c.state == "triage")
        return [call for call in await self._many(triage) if lead_id in call.candidate_lead_ids]

    async def _many(self, query: Select[Any]) -> list[Call]:
        return [_call(row) for row in (await self._session.execute(query)).mappings()]

    async def _first(self, condition: Any) -> Call | None:
        row = (await self._session.execute(select(calls).where(condition))).mappings().first()
        return _call(row) if row else None


class KnownLeadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> KnownLead | None:
        row = (
            (await self._session.execute(select(known_leads).where(known_leads.c.lead_id == lead_id)))
            .mappings()
            .first()
        )
        return KnownLead(**row) if row else None

    async def with_phone(self, phone: str) -> list[KnownLead]:
        rows = await self._session.execute(select(known_leads).where(known_leads.c.phone == phone))
        return [KnownLead(**row) for row in rows.mappings()]

    async def put(self, lead: KnownLead) -> None:
        """Adds the lead, or replaces what was known of it (an event seen again)."""
        values = {column.key: getattr(lead, column.key) for column in known_leads.c}
        result = await self._session.execute(
            update(known_leads).where(known_leads.c.lead_id == lead.lead_id).values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(insert(known_leads).values(**values))

    async def forget(self, lead_id: UUID) -> None:
        """The lead was deleted or merged into another: later calls no longer match it."""
        await self._session.execute(delete(known_leads).where(known_leads.c.lead_id == lead_id))

    async def set_closed(self, lead_id: UUID, closed: bool) -> None:
        """A lead not known here (its creation predates this read model) is left unknown."""
        await self._session.execute(update(known_leads).where(known_leads.c.lead_id == lead_id).values(closed=closed))


def _call(row: RowMapping) -> Call:
    return Call(
        **{
            **row,
            "candidate_lead_ids": tuple(UUID(i) for i in row["candidate_lead_ids"]),
        }
    )


def _columns(call: Call) -> dict[str, Any]:
    columns = {column.key: getattr(call, column.key) for column in calls.c}
    columns["candidate_lead_ids"] = [str(i) for i in call.candidate_lead_ids]
    return columns
