"""What the leads service's write use cases need of storage, said as protocols, so their rules are unit-tested on an
in-memory unit of work (tests/support/fake_leads.py): creating, editing, moving, losing, deleting and merging leads,
linking other services' items to them, adding, editing and removing their deals, dropping cards on either board, and
changing the configuration (service/use_cases.py, lifecycle.py, links.py, deals.py, deal_events.py, board.py's
move_card and create_in_column, contacts.py, reference.py's statuses, lead types, reference items, employees,
partners and settings). The SQL unit of work (adapters/unit_of_work.py) satisfies them, as mypy checks where the
service hands it to those use cases. Dropping a card on a board (card_order.py) asks of the card positions no more
than AbstractCardPositions.

What still takes the SQL unit of work as it is: the read queries (queries.py, card.py, pipeline_board.py, and the
lists of reference.py: statuses, lead types, items, the team directory, the page of partners, the settings), which
are tested against SQLite and PostgreSQL by design; folding the boards' kept totals (board.py), the SQL tables' own
bookkeeping; and the once-per-database announcements (announcement.py's leads that predate LeadAnnouncedV1,
reference.py's publish_configuration_once), each resuming from or claiming a row only the database keeps."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol
from uuid import UUID

from leadline.contracts.platform.messaging.outbox import AbstractOutbox
from leadline.contracts.wire.events import CallFacts
from leadline.leads.domain.contacts import Contact
from leadline.leads.domain.deals import Deal
from leadline.leads.domain.links import LeadLink, LinkKind
from leadline.leads.domain.model import FieldChange, HistoryEntry, Lead, LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.reference import Employee, Partner, SettingKey, Usage


class AbstractLeadRepository(Protocol):
    async def get(self, lead_id: UUID, *, for_update: bool = False) -> Lead | None:
        """``for_update``: nobody else changes the lead until the commit."""
        ...

    async def existing(self, lead_ids: Collection[UUID]) -> set[UUID]:
        """Which of these leads exist, each kept so until the commit."""
        ...

    async def add(self, lead: Lead) -> None: ...

    async def save(self, lead: Lead, before: Lead) -> None:
        """Raises StaleVersion unless the stored lead is the version before ``lead``'s (``before``)."""
        ...

    async def remove(self, lead_id: UUID) -> None:
        """Its deals go with it."""
        ...

    async def open_sharing_contacts(self, lead: Lead, *, limit: int) -> list[Lead]:
        """Other open leads known by one of the lead's phones or addresses, newest first."""
        ...


class AbstractHistory(Protocol):
    """Each lead's history: who changed what, when."""

    async def record(
        self, lead_id: UUID, *, action: str, by: str, at: datetime, changes: list[FieldChange]
    ) -> None: ...

    async def of(self, lead_id: UUID) -> list[HistoryEntry]:
        """Oldest first."""
        ...

    async def knows(self, lead_id: UUID) -> bool:
        """Whether a lead with this id ever existed (history outlives a deleted lead, and follows a merged one)."""
        ...

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None:
        """A merged lead's history becomes its survivor's, in the order it happened, each entry marked with the
        lead it was about."""
        ...


class AbstractReferenceData(Protocol):
    async def load(self) -> ReferenceData:
        """Statuses, lead types and reference items as configured now; read-only."""
        ...


class AbstractWorkflow(Protocol):
    """Statuses and lead types: the workflow a lead goes through. What is written is what ``reference.load`` reads
    next."""

    async def lock_for_change(self) -> None:
        """Until the commit, other changes of the workflow (and leads' writes) wait: its rules span rows."""
        ...

    async def add_status(self, status: Status) -> None: ...

    async def save_status(self, status: Status) -> None: ...

    async def delete_status(self, code: str) -> None: ...

    async def leads_in_status(self, code: str) -> int: ...

    async def leads_of_type_in(self, type_code: str, status_codes: frozenset[str]) -> int: ...

    async def add_lead_type(self, lead_type: LeadType) -> None: ...

    async def save_lead_type(self, lead_type: LeadType) -> None: ...


class AbstractReferenceItems(Protocol):
    """Priorities, tags, lost reasons, sources, campaigns, channels, products, pipelines and stages. What is written
    is what ``reference.load`` reads next."""

    async def lock_for_change(self) -> None:
        """Until the commit, other changes of the items (and leads' writes) wait: their rules span rows."""
        ...

    async def add(self, item: ReferenceItem) -> None: ...

    async def save(self, item: ReferenceItem) -> None: ...

    async def delete(self, item: ReferenceItem) -> None: ...

    async def usage(self, item: ReferenceItem) -> Usage:
        """What refers to ``item``: leads (by their coded fields, tags and lost reason), deals, a pipeline's stages."""
        ...


class AbstractSettings(Protocol):
    async def all(self) -> dict[SettingKey, str | None]:
        """Every key, None where none is set."""
        ...

    async def put(self, key: SettingKey, value: str | None) -> None: ...


class AbstractEmployees(Protocol):
    """The sales team directory."""

    async def lock_for_change(self) -> None:
        """Until the commit, other changes of the team wait: a free extension is a rule across employees."""
        ...

    async def get(self, employee_id: str) -> Employee | None:
        """Archived ones too."""
        ...

    async def holding_extension(self, extension: str) -> list[Employee]:
        """The employees holding this extension who have not left."""
        ...

    async def add(self, employee: Employee) -> None: ...

    async def save(self, employee: Employee) -> None: ...


class AbstractPartners(Protocol):
    async def get(self, partner_id: UUID) -> Partner | None: ...

    async def add(self, partner: Partner) -> None: ...

    async def save(self, partner: Partner) -> None:
        """Raises StaleVersion unless the stored partner is the version before ``partner``'s."""
        ...


class AbstractContacts(Protocol):
    """Partners' contact persons."""

    async def of(self, partner_ids: Collection[UUID]) -> dict[UUID, list[Contact]]:
        """Each partner's contact persons, by name, then id; a partner without any is absent."""
        ...

    async def get(self, contact_id: UUID) -> Contact | None: ...

    async def add(self, contact: Contact) -> None: ...

    async def save(self, contact: Contact) -> None: ...

    async def remove(self, contact: Contact) -> None: ...

    async def naming_leads(self, contact_id: UUID) -> int:
        """How many leads name the contact person."""
        ...


class AbstractDeals(Protocol):
    async def of(self, lead_id: UUID) -> list[Deal]:
        """By name, then id."""
        ...

    async def get(self, lead_id: UUID, deal_id: UUID) -> Deal | None:
        """None unless the deal is the lead's."""
        ...

    async def by_ids(self, deal_ids: list[UUID]) -> list[Deal]:
        """The deals with these ids, in that order (those that do not exist left out)."""
        ...

    async def add(self, deal: Deal, lead: Lead) -> None: ...

    async def save(self, deal: Deal) -> None:
        """Raises StaleVersion unless the stored deal is the version before ``deal``'s."""
        ...

    async def remove(self, deal: Deal) -> None: ...

    async def move(self, from_lead_id: UUID, to_lead: Lead) -> None: ...


class AbstractLinks(Protocol):
    """What other services link to leads (calls, e-mails, orders, invoices), and the leads merged into others."""

    async def of(self, lead_id: UUID) -> list[LeadLink]:
        """Oldest link first."""
        ...

    async def get(self, kind: LinkKind, item_id: str) -> LeadLink | None: ...

    async def put(self, link: LeadLink) -> None:
        """Links the item, or moves it to another lead: an item is linked to one lead at a time."""
        ...

    async def put_all(self, links: Sequence[LeadLink]) -> None:
        """``put`` for many; of several for one item, the last is what stays."""
        ...

    async def survivors_of(self, merged_lead_ids: Collection[UUID]) -> dict[UUID, UUID]:
        """The lead each of these merged leads lives on in, for those that were merged."""
        ...

    async def remove(self, kind: LinkKind, item_id: str) -> None:
        """Unlinks the item, from whichever lead it is linked to."""
        ...

    async def move(self, from_lead_id: UUID, to_lead_id: UUID) -> None: ...

    async def remove_of(self, lead_id: UUID) -> None: ...


class AbstractCallFacts(Protocol):
    """What communications last said of each call (its direction, phase, duration, recording), for lead cards."""

    async def put_all(self, facts: Mapping[str, CallFacts]) -> None: ...


class AbstractCardPositions(Protocol):
    """Where each user keeps the cards of a board (service/card_order.py)."""

    async def lock_order_of(self, user_id: str) -> None:
        """Until the commit, ``user_id``'s other moves wait: a move places cards by the order it read."""
        ...

    async def put(self, user_id: str, positions: Mapping[UUID, float]) -> None:
        """Sets these cards' positions for ``user_id``, replacing any they had."""
        ...


class AbstractLeadQueries(Protocol):
    """What moving a lead on the kanban board reads of it."""

    def column_order(self, user_id: str, status_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        """A status's column as ``user_id`` sees it, top down, every type: each lead's id and the user's position
        for it (None: never placed). The leads the user placed come first, by position, then the others, newest
        first."""
        ...


class AbstractDealQueries(Protocol):
    """What moving a deal on the pipeline board reads of it."""

    def stage_order(self, user_id: str, stage_code: str) -> AsyncGenerator[tuple[UUID, float | None]]:
        """A stage's column as ``user_id`` sees it, top down: each deal's id and the user's position for it (None:
        never placed). The deals the user placed come first, by position, then the others, newest first."""
        ...


class AbstractUnitOfWork(Protocol):
    """One transaction: what a use case reads and writes through it is committed, with the events it announced, by
    the caller (one per HTTP request, one per consumed batch), or not at all."""

    @property
    def leads(self) -> AbstractLeadRepository: ...

    @property
    def history(self) -> AbstractHistory: ...

    @property
    def reference(self) -> AbstractReferenceData: ...

    @property
    def workflow(self) -> AbstractWorkflow: ...

    @property
    def reference_items(self) -> AbstractReferenceItems: ...

    @property
    def settings(self) -> AbstractSettings: ...

    @property
    def employees(self) -> AbstractEmployees: ...

    @property
    def partners(self) -> AbstractPartners: ...

    @property
    def contacts(self) -> AbstractContacts: ...

    @property
    def deals(self) -> AbstractDeals: ...

    @property
    def links(self) -> AbstractLinks: ...

    @property
    def call_facts(self) -> AbstractCallFacts: ...

    @property
    def card_positions(self) -> AbstractCardPositions: ...

    @property
    def queries(self) -> AbstractLeadQueries: ...

    @property
    def deal_card_positions(self) -> AbstractCardPositions: ...

    @property
    def deal_queries(self) -> AbstractDealQueries: ...

    @property
    def outbox(self) -> AbstractOutbox: ...

    def savepoint(self) -> AbstractAsyncContextManager[object]:
        """What is written inside the block is undone, alone, when the block raises."""
        ...
