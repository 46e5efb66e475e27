"""Reading and writing orders and invoices, and giving them numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.platform.pagination import newest_first
from leadline.documents.adapters.tables import (
    document_counters,
    document_lines,
    documents,
)
from leadline.documents.domain.documents import CANCELLED, DeliveryAddress, Document, DocumentKind, Line


class DocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def next_sequence(self, type_code: str, year: int) -> int:
        """The next number of a type and year, taken in the caller's transaction.

        One upsert statement: it creates the counter or increments it, and locks the row until the
        transaction ends (PostgreSQL; SQLite writes are serialised anyway), so concurrent creates get
        consecutive numbers and a rolled-back one gives its number back: numbers are issued without gaps or
        duplicates. A number committed was published with its document and is never issued again.
        """
        dialect = self._session.get_bind().dialect.name
        upsert = (postgresql if dialect == "postgresql" else sqlite).insert(document_counters)
        statement = (
            upsert.values(type_code=type_code, year=year, last_sequence=1)
            .on_conflict_do_update(
                index_elements=[document_counters.c.type_code, document_counters.c.year],
                set_={"last_sequence": document_counters.c.last_sequence + 1},
            )
            .returning(document_counters.c.last_sequence)
        )
        sequence: int = (await self._session.execute(statement)).scalar_one()
        return sequence

    async def add(self, document: Document) -> None:
        await self._session.execute(insert(documents).values(**_columns(document)))
        if document.lines:
            await self._session.execute(
                insert(document_lines),
                [
                    {
                        "document_id": document.id,
                        "position": position,
                        "product_code": line.product_code,
                        "description": line.description,
                        "amount": line.amount,
                    }
                    for position, line in enumerate(document.lines, start=1)
                ],
            )

    async def save(self, document: Document) -> None:
        """Writes a changed document (not its lines); refused when someone saved a newer version meanwhile."""
        result = await self._session.execute(
            update(documents)
            .where(documents.c.id == document.id, documents.c.version == document.version - 1)
            .values(**_columns(document))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"{document.kind} {document.number} was changed by someone else; reload it and try again",
                rule="stale_version",
            )

    async def remove(self, document: Document) -> None:
        """Deletes the document. Its number is not given again: it was published when the document was made,
        so reusing it would name two documents (the deletion event says which number went unused)."""
        await self._session.execute(delete(document_lines).where(document_lines.c.document_id == document.id))
        await self._session.execute(delete(documents).where(documents.c.id == document.id))

    async def get(
        self, document_id: UUID, kind: DocumentKind | None = None, *, for_update: bool = False
    ) -> Document | None:
        """``for_update``: the row stays locked to the commit (PostgreSQL; SQLite has one writer at a time anyway)."""
        query = select(documents).where(documents.c.id == document_id)
        if kind is not None:
            query = query.where(documents.c.kind == kind)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return (await self._with_lines([row]))[0] if row else None

    async def of_lead(self, lead_id: UUID) -> list[Document]:
        """Oldest first."""
        query = select(documents).where(documents.c.lead_id == lead_id).order_by(documents.c.created_at, documents.c.id)
        return await self._with_lines(list((await self._session.execute(query)).mappings()))

    async def invoices_of(self, order_id: UUID) -> list[UUID]:
        query = select(documents.c.id).where(documents.c.order_id == order_id).order_by(documents.c.created_at)
        return list((await self._session.execute(query)).scalars())

    async def live_invoices_of(self, order_id: UUID) -> list[Document]:
        """The order's invoices that are not cancelled, oldest first."""
        query = (
            select(documents)
            .where(documents.c.order_id == order_id, documents.c.status != CANCELLED)
            .order_by(documents.c.created_at, documents.c.id)
        )
        return await self._with_lines(list((await self._session.execute(query)).mappings()))

    async def is_invoiced(self, order_id: UUID) -> bool:
        found: bool = (
            await self._session.execute(select(exists().where(documents.c.order_id == order_id)))
        ).scalar_one()
        return found

    async def page(self, kind: DocumentKind, *, limit: int, cursor: str | None) -> tuple[list[Document], str | None]:
        """Newest first."""
        rows, next_cursor = await newest_first(
            self._session,
            select(documents).where(documents.c.kind == kind),
            at=documents.c.created_at,
            row_id=documents.c.id,
            limit=limit,
            cursor=cursor,
        )
        return await self._with_lines(rows), next_cursor

    async def move_to_lead(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        await self._session.execute(
            update(documents).where(documents.c.lead_id == from_lead_id).values(lead_id=to_lead_id)
        )

    async def _with_lines(self, rows: Sequence[RowMapping]) -> list[Document]:
        ids = [row["id"] for row in rows]
        lines: dict[UUID, list[Line]] = {document_id: [] for document_id in ids}
        if ids:
            query = (
                select(document_lines)
                .where(document_lines.c.document_id.in_(ids))
                .order_by(document_lines.c.document_id, document_lines.c.position)
            )
            for line in (await self._session.execute(query)).mappings():
                lines[line["document_id"]].append(Line(line["product_code"], line["description"], line["amount"]))
        return [_document(row, tuple(lines[row["id"]])) for row in rows]


def _columns(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "type_code": document.type_code,
        "year": document.year,
        "sequence": document.sequence,
        "number": document.number,
        "lead_id": document.lead_id,
        "partner_id": document.partner_id,
        "partner_name": document.partner_name,
        "street": document.address.street,
        "city": document.address.city,
        "postal_code": document.address.postal_code,
        "country": document.address.country,
        "currency": document.currency,
        "amount": document.amount,
        "status": document.status,
        "document_date": document.document_date,
        "order_id": document.order_id,
        "created_by": document.created_by,
        "created_at": document.created_at,
        "updated_by": document.updated_by,
        "updated_at": document.updated_at,
        "version": document.version,
    }


def _document(row: RowMapping, lines: tuple[Line, ...]) -> Document:
    return Document(
        id=row["id"],
        kind=row["kind"],
        type_code=row["type_code"],
        year=row["year"],
        sequence=row["sequence"],
        lead_id=row["lead_id"],
        partner_id=row["partner_id"],
        partner_name=row["partner_name"],
        address=DeliveryAddress(row["street"], row["city"], row["postal_code"], row["country"]),
        currency=row["currency"],
        lines=lines,
        status=row["status"],
        document_date=row["document_date"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
        version=row["version"],
        order_id=row["order_id"],
    )
