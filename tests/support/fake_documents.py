"""The documents service's unit of work in memory, for unit tests of its use cases: what the SQL repositories keep
in tables is kept in dictionaries, and what the outbox would publish in a list.

The fakes keep the repositories' promises the use cases rely on (service/unit_of_work.py): a save of a stale
version is refused, a change to a lead without a copy changes nothing, numbers count per type and year, lists come
oldest first. They do not lock: one use case at a time runs against them, so races are the integration tests'."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.wire.events import Event
from leadline.documents.domain.documents import CANCELLED, Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy
from tests.support.fake_outbox import FakeOutbox


class FakeLeadCopyRepository:
    def __init__(self, *leads: LeadCopy) -> None:
        self.by_id = {lead.lead_id: lead for lead in leads}

    async def get(self, lead_id: UUID, *, hold: bool = False) -> LeadCopy | None:
        return self.by_id.get(lead_id)

    async def known(self, lead_ids: Collection[UUID]) -> set[UUID]:
        return {lead_id for lead_id in lead_ids if lead_id in self.by_id}

    async def add_all(self, leads: Sequence[LeadCopy]) -> None:
        for lead in leads:
            assert lead.lead_id not in self.by_id, f"lead {lead.lead_id} has a copy already"  # a primary key
            self.by_id[lead.lead_id] = lead

    async def save(self, lead: LeadCopy) -> None:
        if lead.lead_id in self.by_id:
            self.by_id[lead.lead_id] = lead

    async def set_status(self, lead_id: UUID, status_code: str, closed: bool) -> None:
        self._change(lead_id, status_code=status_code, closed=closed)

    async def set_salesperson(self, lead_id: UUID, salesperson_id: str | None) -> None:
        self._change(lead_id, salesperson_id=salesperson_id)

    async def mark_deleted(self, lead_id: UUID) -> None:
        self._change(lead_id, deleted=True)

    async def remove(self, lead_id: UUID) -> None:
        self.by_id.pop(lead_id, None)

    def _change(self, lead_id: UUID, **fields: Any) -> None:
        # As an UPDATE ... WHERE lead_id = ...: a lead without a copy is left alone.
        if lead_id in self.by_id:
            self.by_id[lead_id] = replace(self.by_id[lead_id], **fields)


class FakeNamedValues:
    def __init__(self, values: dict[str, str | None] | None = None) -> None:
        self.values = dict(values or {})

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def all(self) -> dict[str, str | None]:
        return dict(self.values)

    async def put(self, key: str, value: str | None) -> None:
        self.values[key] = value

    async def remove(self, key: str) -> None:
        self.values.pop(key, None)


class FakeDocumentRepository:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Document] = {}
        self.last_sequences: dict[tuple[str, int], int] = {}

    async def next_sequence(self, type_code: str, year: int) -> int:
        sequence = self.last_sequences.get((type_code, year), 0) + 1
        self.last_sequences[type_code, year] = sequence
        return sequence

    async def add(self, document: Document) -> None:
        # As the table's primary and unique keys: one document per id, and per number.
        assert document.id not in self.by_id, f"document {document.id} exists already"
        assert all(d.number != document.number for d in self.by_id.values()), f"{document.number} is taken"
        self.by_id[document.id] = document

    async def save(self, document: Document) -> None:
        stored = self.by_id.get(document.id)
        if stored is None or stored.version != document.version - 1:
            raise StaleVersion(f"{document.kind} {document.number} was changed by someone else", rule="stale_version")
        self.by_id[document.id] = document

    async def remove(self, document: Document) -> None:
        del self.by_id[document.id]

    async def get(
        self, document_id: UUID, kind: DocumentKind | None = None, *, for_update: bool = False
    ) -> Document | None:
        document = self.by_id.get(document_id)
        return document if document is not None and kind in (None, document.kind) else None

    async def of_lead(self, lead_id: UUID) -> list[Document]:
        return _oldest_first(d for d in self.by_id.values() if d.lead_id == lead_id)

    async def live_invoices_of(self, order_id: UUID) -> list[Document]:
        return _oldest_first(d for d in self.by_id.values() if d.order_id == order_id and d.status != CANCELLED)

    async def is_invoiced(self, order_id: UUID) -> bool:
        return any(d.order_id == order_id for d in self.by_id.values())

    async def move_to_lead(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        # As the SQL repository: the documents follow the lead, their version stays.
        for document in await self.of_lead(from_lead_id):
            self.by_id[document.id] = replace(document, lead_id=to_lead_id)


def _oldest_first(documents: Iterable[Document]) -> list[Document]:
    return sorted(documents, key=lambda d: (d.created_at, d.id))


class FakeUnitOfWork:
    """``committed``: whether the caller committed; the fakes keep every change either way, as the use case
    left them, for the test to read."""

    def __init__(self, *leads: LeadCopy, settings: dict[str, str | None] | None = None) -> None:
        self.leads = FakeLeadCopyRepository(*leads)
        self.settings = FakeNamedValues(settings)
        self.products = FakeNamedValues()
        self.partners = FakeNamedValues()
        self.documents = FakeDocumentRepository()
        self.outbox = FakeOutbox(source="leadline/documents")
        self.committed = False

    async def commit(self) -> None:
        self.committed = True

    def announced(self) -> list[Event]:
        """The events the use cases added to the outbox, oldest first."""
        return self.outbox.announced()
