"""The communications service's unit of work in memory, as its use cases see it (service/unit_of_work.py): what the
SQL repositories keep in tables is kept in dictionaries, and what the outbox would publish in a list.

The fakes keep the repositories' promises the use cases rely on: a save of a stale version is refused, a call's save
leaves what its PBX reported alone, a lead deleted or merged away is found by nothing, lists come as the SQL orders
them. They do not lock: one use case at a time runs against them, so races are the integration tests'."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from leadline.communications.adapters.repository import CALL_CALLBACK_COLUMNS, CALL_LIFECYCLE_COLUMNS
from leadline.communications.domain.directory import Employee
from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import Call, Email, ItemState, KnownLead, TriageItem, triage_addresses
from leadline.communications.domain.outbound import OutboundEmail, OutboundState
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.contacts import normalised_email_or_none
from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.wire.events import Event
from leadline.contracts.wire.events.gateway import PbxReport
from tests.support.fake_outbox import FakeOutbox

T = TypeVar("T", bound=TriageItem)


class FakeTriageRepository(Generic[T]):
    """``by_id``: the items as stored, in the order they were added."""

    def __init__(self, kind: str, newest_by: Callable[[T], datetime]) -> None:
        self.kind = kind
        self.by_id: dict[UUID, T] = {}
        self._newest_by = newest_by

    async def get(self, item_id: UUID) -> T | None:
        return self.by_id.get(item_id)

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        return frozenset()

    async def add(self, item: T) -> None:
        assert item.id not in self.by_id, f"{item.kind} {item.id} exists already"  # a primary key
        self.by_id[item.id] = item

    async def save(self, item: T) -> None:
        stored = self.by_id.get(item.id)
        if stored is None or stored.version != item.version - 1:
            raise StaleVersion(f"{item.kind} {item.id} was changed by someone else", rule="stale_version")
        self.by_id[item.id] = item

    async def awaiting_leads(self, lead_ids: Collection[UUID]) -> dict[UUID, list[T]]:
        waiting = [i for i in self.by_id.values() if i.state == "lead_requested" and i.lead_id in lead_ids]
        returned = [
            i
            for i in self.by_id.values()
            if i.state == "triage" and i.returned and i.returned.retryable and i.returned.lead_id in lead_ids
        ]
        found: dict[UUID, list[T]] = {}
        for item in waiting + returned:
            lead_id = item.lead_id or (item.returned.lead_id if item.returned else None)
            assert lead_id is not None
            found.setdefault(lead_id, []).append(item)
        return found

    async def attached_to(self, lead_id: UUID) -> list[T]:
        return [i for i in self.by_id.values() if i.state == "attached" and i.lead_id == lead_id]

    async def in_triage_from_any(self, senders: Collection[str]) -> dict[str, list[T]]:
        found: dict[str, list[T]] = {}
        for item in sorted(self.by_id.values(), key=self._newest_by):
            if item.state == "triage" and item.contact in senders:
                found.setdefault(item.contact, []).append(item)
        return found

    async def of_lead(self, lead_id: UUID) -> list[T]:
        return [
            i
            for i in self.by_id.values()
            if i.lead_id == lead_id or (i.state == "triage" and lead_id in i.candidate_lead_ids)
        ]

    async def in_triage_with_candidate(self, lead_id: UUID) -> list[T]:
        return [i for i in self.by_id.values() if i.state == "triage" and lead_id in i.candidate_lead_ids]

    def newest_first_page(
        self, wanted: Callable[[T], bool], state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[T], str | None]:
        items = [i for i in self.by_id.values() if wanted(i) and state in (None, i.state)]
        return _page(sorted(items, key=lambda i: (self._newest_by(i), i.id), reverse=True), limit, cursor)


def _page(items: list[T], limit: int, cursor: str | None) -> tuple[list[T], str | None]:
    """A page of the items, in their order; the cursor (opaque to callers) is how many came before."""
    start = int(cursor or 0)
    return items[start : start + limit], str(start + limit) if start + limit < len(items) else None


class FakeCallRepository(FakeTriageRepository[Call]):
    def __init__(self) -> None:
        super().__init__(Call.kind, lambda call: call.received_at)

    async def stored_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> set[str]:
        return {c.pbx_call_id for c in self.by_id.values() if c.pbx_call_id in pbx_call_ids}

    async def add_all(self, new_calls: Sequence[Call]) -> None:
        for call in new_calls:
            assert call.pbx_call_id not in await self.stored_pbx_call_ids({call.pbx_call_id})  # a unique key
            await self.add(call)

    async def save(self, item: Call) -> None:
        # As the SQL repository: a decision does not write what the PBX reported, which intake alone writes.
        stored = self.by_id.get(item.id)
        reported = {c: getattr(stored, c) for c in (*CALL_LIFECYCLE_COLUMNS, *CALL_CALLBACK_COLUMNS)} if stored else {}
        await super().save(replace(item, **reported))

    async def by_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> dict[str, Call]:
        return {c.pbx_call_id: c for c in self.by_id.values() if c.pbx_call_id in pbx_call_ids}

    async def save_lifecycles(self, changed: Sequence[Call]) -> None:
        self._write_columns(changed, CALL_LIFECYCLE_COLUMNS)

    async def waiting_for_callback(self, numbers: Collection[str]) -> list[Call]:
        return [c for c in self.by_id.values() if c.contact_number in numbers and c.callback_state == "waiting"]

    async def answered_calls_to(self, numbers: Collection[str]) -> list[Call]:
        return [
            c
            for c in self.by_id.values()
            if c.contact_number in numbers and c.direction == "outbound" and c.disposition == "answered"
        ]

    async def save_callbacks(self, cleared: Sequence[Call]) -> None:
        self._write_columns(cleared, CALL_CALLBACK_COLUMNS)

    def _write_columns(self, calls: Sequence[Call], columns: Sequence[str]) -> None:
        # As an UPDATE of these columns alone: the version and a person's decision stay as stored.
        for call in calls:
            self.by_id[call.id] = replace(self.by_id[call.id], **{c: getattr(call, c) for c in columns})

    async def page_of_extension(
        self, extension: str | None, *, everyone: bool, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        return self.newest_first_page(lambda call: everyone or _of_extension(call, extension), state, limit, cursor)

    async def missed_page(
        self, extension: str | None, *, everyone: bool, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        missed = [
            call
            for call in self.by_id.values()
            if call.callback_state == "waiting" and (everyone or _of_extension(call, extension))
        ]
        return _page(sorted(missed, key=lambda call: (call.received_at, call.id)), limit, cursor)

    async def clear_callback(self, cleared: Call) -> bool:
        stored = self.by_id[cleared.id]
        if stored.callback_state != "waiting":
            return False
        self.by_id[cleared.id] = replace(stored, **{c: getattr(cleared, c) for c in CALL_CALLBACK_COLUMNS})
        return True


def _of_extension(call: Call, extension: str | None) -> bool:
    """The calls that reached the extension, and those that reached none."""
    return call.extension is None or call.extension == extension


class FakeEmailRepository(FakeTriageRepository[Email]):
    def __init__(
        self, directory: FakeDirectory, known_leads: FakeKnownLeadRepository, written: FakeOutboundEmails
    ) -> None:
        super().__init__(Email.kind, lambda email: email.sent_at)
        self._directory = directory
        self._known_leads = known_leads
        self._written = written

    async def add(self, item: Email) -> None:
        assert await self.get_by_message_id(item.message_id) is None, f"{item.message_id} is taken"  # a unique key
        await super().add(item)

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        return self._directory.addresses_of(user)

    async def get_by_message_id(self, message_id: str) -> Email | None:
        return next((e for e in self.by_id.values() if e.message_id == message_id), None)

    async def leads_of_messages(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        wanted = set(message_ids)
        received = {e.message_id: e.lead_id for e in self.by_id.values() if e.state == "attached" and e.lead_id}
        # An e-mail written from a lead is that lead's from the start; one received says more, as in SQL.
        found = {e.message_id: e.lead_id for e in self._written.by_id.values()} | received
        return {
            message_id: lead_id
            for message_id, lead_id in found.items()
            if message_id in wanted and await self._known_leads.get(lead_id) is not None
        }

    async def in_triage_replying_to(self, message_id: str) -> list[Email]:
        return [e for e in self.by_id.values() if e.state == "triage" and message_id in e.thread]

    async def page_addressed_to(
        self, addresses: Collection[str] | None, *, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Email], str | None]:
        def addressed(email: Email) -> bool:
            return addresses is None or not email.recipients.isdisjoint(addresses)

        return self.newest_first_page(addressed, state, limit, cursor)


class FakeKnownLeadRepository:
    """``leads``: each lead as its events said it (no other contacts: those are kept apart, as in the tables)."""

    def __init__(self) -> None:
        self.leads: dict[UUID, KnownLead] = {}
        self.gone: set[UUID] = set()
        self.other_contacts: dict[UUID, set[tuple[str, str]]] = {}
        self.partner_contacts: dict[UUID, list[tuple[str, str]]] = {}

    async def get(self, lead_id: UUID) -> KnownLead | None:
        stored = self.leads.get(lead_id)
        return None if stored is None or lead_id in self.gone else self._with_contacts(stored)

    async def claim(self, lead_id: UUID) -> KnownLead | None:
        return await self.get(lead_id)

    async def is_gone(self, lead_id: UUID) -> bool:
        return lead_id in self.gone

    async def with_phones(self, phones: Collection[str]) -> dict[str, list[KnownLead]]:
        found: dict[str, list[KnownLead]] = {}
        for lead in self._live():
            for phone in lead.phones & set(phones):
                found.setdefault(phone, []).append(lead)
        return found

    async def with_email(self, email: str) -> list[KnownLead]:
        return [lead for lead in self._live() if lead.has_email(email)]

    async def put_partner_contacts(self, partner_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        self.partner_contacts[partner_id] = list(dict.fromkeys(contacts))

    async def add_contacts(self, lead_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        self.other_contacts.setdefault(lead_id, set()).update(contacts)

    async def put_all(self, leads: Sequence[KnownLead]) -> None:
        for lead in leads:
            self.leads[lead.lead_id] = replace(lead, other_phones=frozenset(), other_emails=frozenset())

    async def forget(self, lead_id: UUID, *, at: datetime) -> None:
        self.gone.add(lead_id)
        self.leads.setdefault(lead_id, KnownLead(lead_id=lead_id, phone=None, closed=True, created_at=at))

    async def update(self, lead_id: UUID, **values: Any) -> None:
        if lead_id in self.leads:
            self.leads[lead_id] = replace(self.leads[lead_id], **values)

    def _live(self) -> list[KnownLead]:
        return [self._with_contacts(lead) for lead_id, lead in self.leads.items() if lead_id not in self.gone]

    def _with_contacts(self, lead: KnownLead) -> KnownLead:
        others = self.other_contacts.get(lead.lead_id, set())
        partners = self.partner_contacts.get(lead.partner_id, []) if lead.partner_id else []
        return replace(
            lead,
            other_phones=frozenset(v for k, v in others if k == "phone"),
            other_emails=frozenset(v for k, v in others if k == "email"),
            partner_phones=frozenset(v for k, v in partners if k == "phone"),
            partner_emails=frozenset(v for k, v in partners if k == "email"),
        )


class FakeDirectory:
    """``addresses``: each employee's work address and whether they left the team; ``shared``: sales@… and such."""

    def __init__(self, shared: frozenset[str] = frozenset()) -> None:
        self.addresses: dict[str, tuple[str | None, bool]] = {}
        self.shared = shared

    async def put(self, employee_id: str, email: str | None, *, archived: bool) -> None:
        self.addresses[employee_id] = (normalised_email_or_none(email), archived)

    async def address_of(self, employee_id: str) -> str | None:
        email, archived = self.addresses.get(employee_id, (None, True))
        return None if archived else email

    def addresses_of(self, user: Principal) -> frozenset[str]:
        email, archived = self.addresses.get(user.user_id, (None, True))
        return triage_addresses([None if archived else email, user.email], self.shared)


class FakeEmployees:
    def __init__(self) -> None:
        self.by_id: dict[str, Employee] = {}

    async def get(self, employee_id: str) -> Employee | None:
        return self.by_id.get(employee_id)

    async def put_all(self, found: Sequence[Employee]) -> None:
        self.by_id.update((employee.employee_id, employee) for employee in found)


class FakeOutboundEmails:
    def __init__(self) -> None:
        self.by_id: dict[UUID, OutboundEmail] = {}

    async def add(self, email: OutboundEmail) -> None:
        assert email.id not in self.by_id, f"e-mail {email.id} exists already"  # a primary key
        self.by_id[email.id] = email

    async def get(self, email_id: UUID) -> OutboundEmail | None:
        return self.by_id.get(email_id)

    async def of_lead(self, lead_id: UUID) -> list[OutboundEmail]:
        return sorted((e for e in self.by_id.values() if e.lead_id == lead_id), key=lambda e: (e.written_at, e.id))

    async def due(self, now: datetime, limit: int) -> list[OutboundEmail]:
        due = [e for e in self.by_id.values() if e.state == "queued" and e.next_attempt_at and e.next_attempt_at <= now]
        return sorted(due, key=lambda e: e.next_attempt_at or now)[:limit]

    async def abandoned(self, now: datetime) -> list[OutboundEmail]:
        return [e for e in self.by_id.values() if e.state == "sending" and e.claimed_until and e.claimed_until < now]

    async def count_by_state(self) -> dict[OutboundState, int]:
        return dict(Counter(e.state for e in self.by_id.values()))

    async def replace(self, before: OutboundEmail, after: OutboundEmail) -> bool:
        stored = self.by_id[before.id]
        if (stored.state, stored.claim_token) != (before.state, before.claim_token):
            return False
        self.by_id[before.id] = after
        return True


class FakeEarlyCallEvents:
    """``reports``: the reports kept, in the order they came."""

    def __init__(self) -> None:
        self.reports: list[PbxReport] = []

    async def of(self, pbx_call_ids: Collection[str]) -> dict[str, list[PbxReport]]:
        found: dict[str, list[PbxReport]] = {}
        for report in self.reports:
            if report.pbx_call_id in pbx_call_ids:
                found.setdefault(report.pbx_call_id, []).append(report)
        return found

    async def add_all(self, reports: Sequence[PbxReport]) -> None:
        self.reports.extend(reports)

    async def remove(self, pbx_call_ids: Collection[str]) -> None:
        self.reports = [report for report in self.reports if report.pbx_call_id not in pbx_call_ids]


class FakeMailboxPositions:
    def __init__(self) -> None:
        self.positions: dict[str, MailboxPosition] = {}

    async def get(self, mailbox: str) -> MailboxPosition | None:
        return self.positions.get(mailbox)

    async def advance(
        self, mailbox: str, before: MailboxPosition | None, after: MailboxPosition, *, at: datetime
    ) -> bool:
        if self.positions.get(mailbox) != before:
            return False
        self.positions[mailbox] = after
        return True


class FakeUnitOfWork:
    def __init__(self, *, shared_addresses: frozenset[str] = frozenset()) -> None:
        self.directory = FakeDirectory(shared_addresses)
        self.known_leads = FakeKnownLeadRepository()
        self.calls = FakeCallRepository()
        self.outbound_emails = FakeOutboundEmails()
        self.emails = FakeEmailRepository(self.directory, self.known_leads, self.outbound_emails)
        self.employees = FakeEmployees()
        self.early_call_events = FakeEarlyCallEvents()
        self.mailbox_positions = FakeMailboxPositions()
        self.outbox = FakeOutbox(source="leadline/communications")

    def announced(self) -> list[Event]:
        """The events the use cases added to the outbox, oldest first."""
        return self.outbox.announced()
