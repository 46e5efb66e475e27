"""Reading and writing the items other services link to leads."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.sql import upsert
from leadline.contracts.wire.events import CallFacts
from leadline.leads.adapters.tables import call_facts, lead_links
from leadline.leads.domain.links import MERGED_LEAD, DocumentFacts, LeadLink, LinkKind


class LinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, link: LeadLink) -> None:
        """Links the item, or moves it to another lead: an item is linked to one lead at a time."""
        values = _row(link)
        result = await self._session.execute(
            update(lead_links)
            .where(lead_links.c.kind == link.kind, lead_links.c.item_id == link.item_id)
            .values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(insert(lead_links).values(**values))

    async def put_all(self, links: Sequence[LeadLink]) -> None:
        """``put`` for many links in one statement; of several for one item, the last is what stays."""
        latest = {(link.kind, link.item_id): link for link in links}
        if not latest:
            return
        statement = upsert(
            self._session, lead_links, key=["kind", "item_id"], replaced=["lead_id", "label", "linked_at", "document"]
        )
        await self._session.execute(statement, [_row(link) for link in latest.values()])

    async def get(self, kind: LinkKind, item_id: str) -> LeadLink | None:
        query = select(lead_links).where(lead_links.c.kind == kind, lead_links.c.item_id == item_id)
        row = (await self._session.execute(query)).mappings().first()
        return _link(row) if row else None

    async def of(self, lead_id: UUID) -> list[LeadLink]:
        """Oldest link first."""
        query = (
            select(lead_links)
            .where(lead_links.c.lead_id == lead_id)
            .order_by(lead_links.c.linked_at, lead_links.c.kind, lead_links.c.item_id)
        )
        return [_link(row) for row in (await self._session.execute(query)).mappings()]

    async def survivor_of(self, merged_lead_id: UUID) -> UUID | None:
        """The lead a merged lead lives on in, if it was merged."""
        query = select(lead_links.c.lead_id).where(
            lead_links.c.kind == MERGED_LEAD, lead_links.c.item_id == str(merged_lead_id)
        )
        found: UUID | None = (await self._session.execute(query)).scalar_one_or_none()
        return found

    async def survivors_of(self, merged_lead_ids: Collection[UUID]) -> dict[UUID, UUID]:
        """The lead each of these merged leads lives on in, for those that were merged."""
        query = select(lead_links.c.item_id, lead_links.c.lead_id).where(
            lead_links.c.kind == MERGED_LEAD, lead_links.c.item_id.in_([str(i) for i in merged_lead_ids])
        )
        return {UUID(merged): survivor for merged, survivor in (await self._session.execute(query)).all()}

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        await self._session.execute(
            update(lead_links).where(lead_links.c.lead_id == from_lead_id).values(lead_id=to_lead_id)
        )

    async def remove(self, kind: LinkKind, item_id: str) -> None:
        """Unlinks the item, from whichever lead it is linked to."""
        await self._session.execute(
            delete(lead_links).where(lead_links.c.kind == kind, lead_links.c.item_id == item_id)
        )

    async def remove_of(self, lead_id: UUID) -> None:
        await self._session.execute(delete(lead_links).where(lead_links.c.lead_id == lead_id))


class CallFactsRepository:
    """What communications last said of each call (CallFacts), for the cards of the leads they are linked to."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put_all(self, facts: Mapping[str, CallFacts]) -> None:
        """The facts of these calls (by call id) as they are now."""
        if facts:
            statement = upsert(self._session, call_facts, key=["call_id"], replaced=["facts"])
            rows = [{"call_id": call_id, "facts": fact.model_dump(mode="json")} for call_id, fact in facts.items()]
            await self._session.execute(statement, rows)

    async def of(self, call_ids: Collection[str]) -> dict[str, CallFacts]:
        if not call_ids:
            return {}
        query = select(call_facts).where(call_facts.c.call_id.in_(list(call_ids)))
        rows = (await self._session.execute(query)).mappings()
        return {row["call_id"]: CallFacts.model_validate(row["facts"]) for row in rows}


def _row(link: LeadLink) -> dict[str, Any]:
    document = link.document
    return {
        **{column.key: getattr(link, column.key) for column in lead_links.c if column.key != "document"},
        "document": None
        if document is None
        else {**vars(document), "document_date": document.document_date.isoformat(), "amount": str(document.amount)},
    }


def _link(row: RowMapping) -> LeadLink:
    document = row["document"]
    facts = (
        None
        if document is None
        else DocumentFacts(
            **{
                **document,
                "document_date": date.fromisoformat(document["document_date"]),
                "amount": Decimal(document["amount"]),
            }
        )
    )
    return LeadLink(**{**row, "document": facts})
