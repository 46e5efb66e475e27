"""What the documents use cases need of storage, said as protocols: a use case takes an ``AbstractUnitOfWork``
and asks its repositories and outbox for no more than this. The SQL adapters (adapters/unit_of_work.py) are one
implementation, checked by mypy wherever the service hands its unit of work to a use case; the unit tests' in-memory
fakes (tests/support/fake_documents.py) are the other, so the rules of a use case are tested without a database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol
from uuid import UUID

from leadline.contracts.platform.messaging.outbox import AbstractOutbox
from leadline.documents.domain.documents import Document, DocumentKind
from leadline.documents.domain.lead_copy import LeadCopy


class AbstractLeadCopyRepository(Protocol):
    """The copies of the leads service's leads. Changing a lead there is never known here: a change or removal of a
    lead without a copy changes nothing."""

    async def get(self, lead_id: UUID, *, hold: bool = False) -> LeadCopy | None:
        """``hold``: the copy stays as it is until the commit (a document is made only for a lead held so)."""
        ...

    async def known(self, lead_ids: Collection[UUID]) -> set[UUID]: ...

    async def add_all(self, leads: Sequence[LeadCopy]) -> None: ...

    async def save(self, lead: LeadCopy) -> None: ...

    async def set_status(self, lead_id: UUID, status_code: str, closed: bool) -> None: ...

    async def set_salesperson(self, lead_id: UUID, salesperson_id: str | None) -> None: ...

    async def mark_deleted(self, lead_id: UUID) -> None: ...

    async def remove(self, lead_id: UUID) -> None: ...


class AbstractNamedValues(Protocol):
    """A key → value copy of a compacted topic (settings, product names, partner names)."""

    async def get(self, key: str) -> str | None: ...

    async def all(self) -> dict[str, str | None]: ...

    async def put(self, key: str, value: str | None) -> None: ...

    async def remove(self, key: str) -> None: ...


class AbstractDocumentRepository(Protocol):
    """Orders and invoices, and their numbers."""

    async def next_sequence(self, type_code: str, year: int) -> int:
        """The next number of a type and year: none is issued twice, none skipped by a commit."""
        ...

    async def add(self, document: Document) -> None: ...

    async def save(self, document: Document) -> None:
        """Raises StaleVersion unless the stored document is the version before ``document``'s."""
        ...

    async def remove(self, document: Document) -> None: ...

    async def get(
        self, document_id: UUID, kind: DocumentKind | None = None, *, for_update: bool = False
    ) -> Document | None:
        """``for_update``: nobody else changes the document until the commit."""
        ...

    async def of_lead(self, lead_id: UUID) -> list[Document]:
        """Oldest first."""
        ...

    async def live_invoices_of(self, order_id: UUID) -> list[Document]:
        """The order's invoices that are not cancelled, oldest first."""
        ...

    async def is_invoiced(self, order_id: UUID) -> bool:
        """Whether any invoice, cancelled or not, was made from the order."""
        ...

    async def move_to_lead(self, from_lead_id: UUID, to_lead_id: UUID) -> None: ...


class AbstractUnitOfWork(Protocol):
    """One transaction: what a use case reads and writes through it is committed, with the events it announced,
    by the caller (one per HTTP request, one per consumed batch), or not at all."""

    @property
    def leads(self) -> AbstractLeadCopyRepository: ...

    @property
    def settings(self) -> AbstractNamedValues: ...

    @property
    def products(self) -> AbstractNamedValues: ...

    @property
    def partners(self) -> AbstractNamedValues: ...

    @property
    def documents(self) -> AbstractDocumentRepository: ...

    @property
    def outbox(self) -> AbstractOutbox: ...

    async def commit(self) -> None: ...
