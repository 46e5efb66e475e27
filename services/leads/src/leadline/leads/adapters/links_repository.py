"""Reading and writing the items other services link to leads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.leads.adapters.tables import lead_links
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
        dialect = self._session.get_bind().dialect.name
        upsert = (postgresql if dialect == "postgresql" else sqlite).insert(lead_links)
        statement = upsert.on_conflict_do_update(
            index_elements=[lead_links.c.kind, lead_links.c.item_id],
            set_={column: upsert.excluded[column] for column in ("lead_id", "label", "linked_at", "document")},
        )
        await self._session.execute(statement, [_row(link) for link in latest.values()])

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
