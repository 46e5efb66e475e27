"""What communications' use cases (intake of calls, their PBX lifecycle and e-mails, triage, telephony, e-mails written
from leads, the reactions to lead events and ownership) need of storage, said as protocols, so their rules are
unit-tested on an in-memory unit of work (tests/support/fake_communications.py). The SQL unit of work
(adapters/unit_of_work.py) satisfies them, as mypy checks where the service hands it to those use cases. Only the
outbound sender's loop (service/outbound.py) opens and commits units of work of its own, so it takes the SQL one's
factory."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from leadline.communications.domain.directory import Employee
from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import Call, Email, ItemState, KnownLead, TriageItem
from leadline.communications.domain.outbound import OutboundEmail, OutboundState
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.messaging.outbox import AbstractOutbox
from leadline.contracts.wire.events.gateway import PbxReport

T = TypeVar("T", bound=TriageItem)


class AbstractTriageRepository(Protocol[T]):
    """Calls or e-mails: items with a triage state, an optimistic version, and the lead (or candidate leads) each
    belongs to. Saving a call writes what a person decided of it, never what its PBX reported (its lifecycle and
    call back)."""

    @property
    def kind(self) -> str: ...

    async def get(self, item_id: UUID) -> T | None: ...

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        """The addresses whose items the user triages (e-mails are triaged by address; calls by extension)."""
        ...

    async def save(self, item: T) -> None:
        """Raises StaleVersion unless the stored item is the version before ``item``'s."""
        ...

    async def awaiting_leads(self, lead_ids: Collection[UUID]) -> dict[UUID, list[T]]:
        """Items each of these leads was requested from, not attached to it yet: waiting for it, or back in triage
        after that request was refused or cancelled."""
        ...

    async def attached_to(self, lead_id: UUID) -> list[T]: ...

    async def in_triage_from_any(self, senders: Collection[str]) -> dict[str, list[T]]:
        """Items in triage from each of these numbers or addresses, oldest first."""
        ...

    async def of_lead(self, lead_id: UUID) -> list[T]:
        """Items attached to the lead, or waiting in triage with it among their candidates."""
        ...

    async def in_triage_with_candidate(self, lead_id: UUID) -> list[T]: ...


class AbstractCallRepository(AbstractTriageRepository[Call], Protocol):
    async def stored_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> set[str]:
        """Which of these PBX call ids belong to calls already stored."""
        ...

    async def add_all(self, new_calls: Sequence[Call]) -> None: ...

    async def by_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> dict[str, Call]: ...

    async def save_lifecycles(self, changed: Sequence[Call]) -> None:
        """Writes what the PBX reported of these calls (their lifecycle columns), nothing else."""
        ...

    async def waiting_for_callback(self, numbers: Collection[str]) -> list[Call]:
        """The missed calls from these numbers not returned yet, held until the commit."""
        ...

    async def answered_calls_to(self, numbers: Collection[str]) -> list[Call]:
        """Outbound calls to these numbers that the customer answered."""
        ...

    async def save_callbacks(self, cleared: Sequence[Call]) -> None:
        """Writes the call back state of these calls, nothing else."""
        ...

    async def page_of_extension(
        self, extension: str | None, *, everyone: bool, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        """Newest first: every call (``everyone``), or those that reached the extension and those that reached
        none; the cursor is the position after the last call returned."""
        ...

    async def missed_page(
        self, extension: str | None, *, everyone: bool, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        """Missed calls waiting for a call back, oldest first, of the extension as ``page_of_extension`` says."""
        ...

    async def clear_callback(self, cleared: Call) -> bool:
        """Writes a missed call marked done, unless it was cleared meanwhile (False then)."""
        ...


class AbstractEmailRepository(AbstractTriageRepository[Email], Protocol):
    async def add(self, item: Email) -> None: ...

    async def get_by_message_id(self, message_id: str) -> Email | None: ...

    async def leads_of_messages(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        """The lead each of these messages (received or written) belongs to, for those that do, held like
        ``AbstractKnownLeadRepository.claim`` holds a lead."""
        ...

    async def in_triage_replying_to(self, message_id: str) -> list[Email]:
        """E-mails in triage whose In-Reply-To or References names the message."""
        ...

    async def page_addressed_to(
        self, addresses: Collection[str] | None, *, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Email], str | None]:
        """Newest first: every e-mail, or (with addresses) those sent to one of them, in To or Cc."""
        ...


class AbstractKnownLeadRepository(Protocol):
    """The leads calls and e-mails may attach to. An item is attached only to a lead held by ``claim`` (or found by
    ``with_phones``/``with_email``, which hold what they find) until the commit; a lead deleted or merged away is
    ``forget``-ten and found by none of them after that."""

    async def get(self, lead_id: UUID) -> KnownLead | None: ...

    async def claim(self, lead_id: UUID) -> KnownLead | None: ...

    async def is_gone(self, lead_id: UUID) -> bool:
        """Whether the lead was deleted or merged away (an unknown lead is not: it may be known later)."""
        ...

    async def with_phones(self, phones: Collection[str]) -> dict[str, list[KnownLead]]:
        """The leads each of these phones matches (their own, a merged lead's, an open lead's partner's); a phone no
        lead has is absent."""
        ...

    async def with_email(self, email: str) -> list[KnownLead]: ...

    async def put_partner_contacts(self, partner_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        """The (kind, value) pairs of the partner's contact persons now, replacing those known before."""
        ...

    async def add_contacts(self, lead_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        """(kind, value) pairs the lead is also known by."""
        ...

    async def put_all(self, leads: Sequence[KnownLead]) -> None:
        """Adds the leads, or replaces what was known of them; of two for one lead, the last. One gone stays gone."""
        ...

    async def forget(self, lead_id: UUID, *, at: datetime) -> None: ...

    async def update(self, lead_id: UUID, **values: Any) -> None:
        """A lead not known here is left unknown."""
        ...


class AbstractDirectory(Protocol):
    """The sales team's work addresses."""

    async def put(self, employee_id: str, email: str | None, *, archived: bool) -> None: ...

    async def address_of(self, employee_id: str) -> str | None:
        """An active employee's work address, if the directory has one."""
        ...


class AbstractOutboundEmails(Protocol):
    """E-mails written from leads, and their sending queue."""

    async def add(self, email: OutboundEmail) -> None: ...

    async def get(self, email_id: UUID) -> OutboundEmail | None: ...

    async def of_lead(self, lead_id: UUID) -> list[OutboundEmail]:
        """Oldest written first."""
        ...

    async def due(self, now: datetime, limit: int) -> list[OutboundEmail]:
        """Queued e-mails whose time has come, oldest first."""
        ...

    async def abandoned(self, now: datetime) -> list[OutboundEmail]:
        """E-mails being sent whose sender's claim ran out."""
        ...

    async def count_by_state(self) -> dict[OutboundState, int]: ...

    async def replace(self, before: OutboundEmail, after: OutboundEmail) -> bool:
        """Writes ``after`` only if the stored e-mail is still ``before`` (its state and claim); False otherwise."""
        ...


class AbstractEmployees(Protocol):
    """Whose PBX extension is whose."""

    async def get(self, employee_id: str) -> Employee | None: ...

    async def put_all(self, found: Sequence[Employee]) -> None: ...


class AbstractEarlyCallEvents(Protocol):
    """PBX reports that came before anything named their call's parties, kept until something does."""

    async def of(self, pbx_call_ids: Collection[str]) -> dict[str, list[PbxReport]]:
        """The reports kept for each of these calls, in the order they came."""
        ...

    async def add_all(self, reports: Sequence[PbxReport]) -> None: ...

    async def remove(self, pbx_call_ids: Collection[str]) -> None: ...


class AbstractMailboxPositions(Protocol):
    async def get(self, mailbox: str) -> MailboxPosition | None: ...

    async def advance(
        self, mailbox: str, before: MailboxPosition | None, after: MailboxPosition, *, at: datetime
    ) -> bool:
        """Moves the position from ``before`` to ``after``; False when it is no longer at ``before``."""
        ...


class AbstractUnitOfWork(Protocol):
    """One transaction: what a use case reads and writes through it is committed, with the events it announced, by
    the caller (one per HTTP request, one per consumed batch), or not at all; none of these use cases commits."""

    @property
    def calls(self) -> AbstractCallRepository: ...

    @property
    def emails(self) -> AbstractEmailRepository: ...

    @property
    def known_leads(self) -> AbstractKnownLeadRepository: ...

    @property
    def directory(self) -> AbstractDirectory: ...

    @property
    def employees(self) -> AbstractEmployees: ...

    @property
    def early_call_events(self) -> AbstractEarlyCallEvents: ...

    @property
    def outbound_emails(self) -> AbstractOutboundEmails: ...

    @property
    def mailbox_positions(self) -> AbstractMailboxPositions: ...

    @property
    def outbox(self) -> AbstractOutbox: ...
