"""Reading and writing calls, e-mails and the read model of known leads."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, insert, or_, select, union, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.communications.adapters.mail_repository import DirectoryRepository, attachment_of
from leadline.communications.adapters.tables import (
    calls,
    email_recipients,
    email_replies,
    emails,
    known_lead_contacts,
    known_leads,
    known_partner_contacts,
    outbound_emails,
)
from leadline.communications.domain.model import (
    RETRYABLE,
    Addressee,
    Blob,
    Call,
    Email,
    ItemState,
    KnownLead,
    Returned,
    TriageItem,
)
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import StaleVersion
from leadline.contracts.platform.pagination import Keyset, Segment, keyset_page, newest_first
from leadline.contracts.platform.sql import upsert

T = TypeVar("T", bound=TriageItem)

_INSERT_CALL = insert(calls)  # built once, values bound per call (see leadline.contracts.platform.messaging.outbox)
# What the PBX reports of a call, written by intake alone; a person's decision writes the other columns. Neither
# writes the other's, so a call answered while someone attaches it keeps both (domain.lifecycle).
CALL_REPORTED_COLUMNS = (
    "phase",
    "answered_by",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "disposition",
    "recording_url",
    "recording_id",
)
CALL_LIFECYCLE_COLUMNS = ("extension", "received_at", *CALL_REPORTED_COLUMNS)
CALL_CALLBACK_COLUMNS = ("callback_state", "callback_at", "callback_by", "callback_call_id")
_UPDATE_CALL = update(calls).where(calls.c.id == bindparam("call_id"))
_ARRIVED_COLUMNS = [
    column.key for column in calls.c if column.key not in {*CALL_REPORTED_COLUMNS, *CALL_CALLBACK_COLUMNS}
]


class TriageRepository(Generic[T]):
    """What storing calls and storing e-mails have in common: one table of items with a triage state,
    optimistic versions, and the lead (or candidate leads) each belongs to."""

    def __init__(
        self,
        session: AsyncSession,
        table: Table,
        *,
        kind: str,
        newest_by: str,
        sender: str,
        to_item: Callable[[RowMapping], T],
        to_columns: Callable[[T], dict[str, Any]],
    ) -> None:
        self.kind = kind
        self._session = session
        self._table = table
        self._newest_by = table.c[newest_by]
        self._from = table.c[sender]
        self._to_item = to_item
        self._to_columns = to_columns

    async def get(self, item_id: UUID) -> T | None:
        return await self._first(self._table.c.id == item_id)

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        """The addresses whose items the user triages (e-mails are triaged by address)."""
        return frozenset()

    async def add(self, item: T) -> None:
        await self._session.execute(insert(self._table).values(**self._to_columns(item)))

    async def save(self, item: T) -> None:
        """Writes a changed item; refused when someone else saved a newer version meanwhile."""
        table = self._table
        result = await self._session.execute(
            update(table)
            .where(table.c.id == item.id, table.c.version == item.version - 1)
            .values(**self._saved_columns(item))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion(
                f"{item.kind} {item.id} was changed by someone else; reload it and try again",
                rule="stale_version",
            )

    async def page(
        self,
        *,
        state: ItemState | None,
        limit: int,
        cursor: str | None,
        where: Sequence[ColumnElement[bool]] = (),
    ) -> tuple[list[T], str | None]:
        """Newest first; the cursor is the position after the last item returned."""
        query = select(self._table).where(*where)
        if state is not None:
            query = query.where(self._table.c.state == state)
        rows, next_cursor = await newest_first(
            self._session, query, at=self._newest_by, row_id=self._table.c.id, limit=limit, cursor=cursor
        )
        return [self._to_item(row) for row in rows], next_cursor

    async def awaiting_leads(self, lead_ids: Collection[UUID]) -> dict[UUID, list[T]]:
        """Items each of these leads was requested from, not yet attached to it: waiting for it, or back in triage
        after that request was refused or cancelled (it may still be created: a retry, a late answer)."""
        table = self._table
        ids = list(lead_ids)
        waiting = select(table).where(table.c.lead_id.in_(ids), table.c.state == "lead_requested")
        returned = select(table).where(
            table.c.returned_from_lead_id.in_(ids),
            table.c.state == "triage",
            table.c.returned_reason.in_(sorted(RETRYABLE)),
        )
        found: dict[UUID, list[T]] = {}
        for item in await self._many(waiting) + await self._many(returned):
            lead_id = item.lead_id or (item.returned.lead_id if item.returned else None)
            assert lead_id is not None
            found.setdefault(lead_id, []).append(item)
        return found

    async def attached_to(self, lead_id: UUID) -> list[T]:
        table = self._table
        return await self._many(select(table).where(table.c.lead_id == lead_id, table.c.state == "attached"))

    async def in_triage_from_any(self, senders: Collection[str]) -> dict[str, list[T]]:
        """Items in triage from each of these numbers (calls) or addresses (e-mails), oldest first."""
        query = select(self._table).where(self._from.in_(list(senders)), self._table.c.state == "triage")
        found: dict[str, list[T]] = {}
        for item in await self._many(query.order_by(self._newest_by)):
            found.setdefault(item.contact, []).append(item)
        return found

    async def of_lead(self, lead_id: UUID) -> list[T]:
        """Items attached to the lead, or waiting in triage with it among their candidates."""
        found = {
            item.id: item for item in await self._many(select(self._table).where(self._table.c.lead_id == lead_id))
        }
        for item in await self.in_triage_with_candidate(lead_id):
            found.setdefault(item.id, item)
        return list(found.values())

    async def in_triage_with_candidate(self, lead_id: UUID) -> list[T]:
        # Candidates are a JSON list, which has no portable index: the triage backlog is read instead,
        # through the state index. Called only when a lead is merged or deleted, which is rare.
        triage = select(self._table).where(self._table.c.state == "triage")
        return [item for item in await self._many(triage) if lead_id in item.candidate_lead_ids]

    def _saved_columns(self, item: T) -> dict[str, Any]:
        """What a decision about the item writes."""
        return self._to_columns(item)

    async def _many(self, query: Select[Any]) -> list[T]:
        return [self._to_item(row) for row in (await self._session.execute(query)).mappings()]

    async def _first(self, condition: ColumnElement[bool]) -> T | None:
        row = (await self._session.execute(select(self._table).where(condition))).mappings().first()
        return self._to_item(row) if row else None


class CallRepository(TriageRepository[Call]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(
            session,
            calls,
            kind=Call.kind,
            newest_by="received_at",
            sender="contact_number",
            to_item=_call,
            to_columns=_call_columns,
        )

    async def get_by_pbx_call_id(self, pbx_call_id: str) -> Call | None:
        return await self._first(calls.c.pbx_call_id == pbx_call_id)

    async def stored_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> set[str]:
        """Which of these PBX call ids belong to calls already stored."""
        query = select(calls.c.pbx_call_id).where(calls.c.pbx_call_id.in_(list(pbx_call_ids)))
        return set((await self._session.execute(query)).scalars())

    async def add_all(self, new_calls: Sequence[Call]) -> None:
        if not new_calls:
            return
        # Calls whose gateway reports only their arrival have no lifecycle to write: the narrower rows keep the
        # busiest intake path as fast as before lifecycles were kept.
        keys = _ARRIVED_COLUMNS if all(call.phase is None for call in new_calls) else None
        await self._session.execute(_INSERT_CALL, [_triage_columns(call, calls, keys) for call in new_calls])

    async def page_of_extension(
        self, extension: str | None, *, everyone: bool, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        """Every call (``everyone``), or those that reached the extension and those that reached none."""
        where = [] if everyone else [_of_extension(extension)]
        return await self.page(state=state, limit=limit, cursor=cursor, where=where)

    def _saved_columns(self, item: Call) -> dict[str, Any]:
        columns = _call_columns(item)
        for column in (*CALL_LIFECYCLE_COLUMNS, *CALL_CALLBACK_COLUMNS):
            del columns[column]
        return columns

    async def by_pbx_call_ids(self, pbx_call_ids: Collection[str]) -> dict[str, Call]:
        query = select(calls).where(calls.c.pbx_call_id.in_(list(pbx_call_ids)))
        return {call.pbx_call_id: call for call in await self._many(query)}

    async def save_lifecycles(self, changed: Sequence[Call]) -> None:
        """Writes what the PBX reported of these calls, in one statement."""
        if changed:
            rows = [{"call_id": call.id, **{c: getattr(call, c) for c in CALL_LIFECYCLE_COLUMNS}} for call in changed]
            await self._session.execute(_UPDATE_CALL, rows)

    async def waiting_for_callback(self, numbers: Collection[str]) -> list[Call]:
        """The missed calls from these numbers not returned yet, held until the commit: whoever clears one first
        (a call back, a person) is the one who did."""
        query = select(calls).where(calls.c.contact_number.in_(list(numbers)), calls.c.callback_state == "waiting")
        return await self._many(query.with_for_update())

    async def answered_calls_to(self, numbers: Collection[str]) -> list[Call]:
        """Outbound calls to these numbers that the customer answered."""
        query = select(calls).where(
            calls.c.contact_number.in_(list(numbers)),
            calls.c.direction == "outbound",
            calls.c.disposition == "answered",
        )
        return await self._many(query)

    async def save_callbacks(self, cleared: Sequence[Call]) -> None:
        """Writes the call back state of these calls, in one statement."""
        if cleared:
            rows = [{"call_id": call.id, **{c: getattr(call, c) for c in CALL_CALLBACK_COLUMNS}} for call in cleared]
            await self._session.execute(_UPDATE_CALL, rows)

    async def clear_callback(self, cleared: Call) -> bool:
        """Writes a missed call marked done, unless it was cleared meanwhile (False then)."""
        result = await self._session.execute(
            update(calls)
            .where(calls.c.id == cleared.id, calls.c.callback_state == "waiting")
            .values(**{c: getattr(cleared, c) for c in CALL_CALLBACK_COLUMNS})
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def missed_page(
        self, extension: str | None, *, everyone: bool, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        """Missed calls waiting for a call back, oldest first: every one (``everyone``), or those of the extension
        and those that reached none."""
        query = select(calls).where(calls.c.callback_state == "waiting")
        if not everyone:
            query = query.where(_of_extension(extension))
        oldest = Segment(query, Keyset([calls.c.received_at, calls.c.id]))
        rows, next_cursor = await keyset_page(self._session, [oldest], listing="missed", limit=limit, cursor=cursor)
        return [_call(row) for row in rows], next_cursor


def _of_extension(extension: str | None) -> ColumnElement[bool]:
    """The calls a salesperson owns: those that reached their extension, and those that reached none (a queue, an
    IVR), which every salesperson may take up."""
    if extension is None:
        return calls.c.extension.is_(None)
    return or_(calls.c.extension == extension, calls.c.extension.is_(None))


class EmailRepository(TriageRepository[Email]):
    def __init__(self, session: AsyncSession, directory: DirectoryRepository) -> None:
        self._directory = directory
        super().__init__(
            session,
            emails,
            kind=Email.kind,
            newest_by="sent_at",
            sender="sender",
            to_item=_email,
            to_columns=_email_columns,
        )

    async def add(self, item: Email) -> None:
        await super().add(item)
        if item.recipients:
            await self._session.execute(
                insert(email_recipients), [{"email_id": item.id, "address": a} for a in sorted(item.recipients)]
            )
        if item.thread:
            await self._session.execute(
                insert(email_replies), [{"email_id": item.id, "replied_message_id": m} for m in item.thread]
            )

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        return await self._directory.addresses_of(user)

    async def get_by_message_id(self, message_id: str) -> Email | None:
        return await self._first(emails.c.message_id == message_id)

    async def leads_of_messages(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        """The lead each of these messages is attached to, for those that are, held like KnownLeadRepository.claim
        holds a lead: a reply is attached to a lead that exists and keeps existing until it is."""
        wanted = list(message_ids)
        received = (
            select(emails.c.message_id, emails.c.lead_id)
            .join(known_leads, known_leads.c.lead_id == emails.c.lead_id)
            .where(emails.c.message_id.in_(wanted), emails.c.state == "attached", _live)
            .with_for_update(read=True, of=known_leads)
        )
        # An e-mail written from a lead is that lead's from the start: a reply to it comes back to the lead.
        written = (
            select(outbound_emails.c.message_id, outbound_emails.c.lead_id)
            .join(known_leads, known_leads.c.lead_id == outbound_emails.c.lead_id)
            .where(outbound_emails.c.message_id.in_(wanted), _live)
            .with_for_update(read=True, of=known_leads)
        )
        found = dict((await self._session.execute(received)).all())
        return {**dict((await self._session.execute(written)).all()), **found}

    async def in_triage_replying_to(self, message_id: str) -> list[Email]:
        """E-mails in triage whose In-Reply-To or References names the message."""
        replies = select(email_replies.c.email_id).where(email_replies.c.replied_message_id == message_id)
        return await self._many(select(emails).where(emails.c.id.in_(replies), emails.c.state == "triage"))

    async def page_addressed_to(
        self, addresses: Collection[str] | None, *, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Email], str | None]:
        """Every e-mail, or (with addresses) those sent to one of them, in To or Cc."""
        where = []
        if addresses is not None:
            sent_to = select(email_recipients.c.email_id).where(email_recipients.c.address.in_(sorted(addresses)))
            where.append(emails.c.id.in_(sent_to))
        return await self.page(state=state, limit=limit, cursor=cursor, where=where)


# A known lead that was neither deleted nor merged away.
_live = known_leads.c.gone.is_(False)


class KnownLeadRepository:
    """The leads calls and e-mails may attach to. An item is attached only to a lead held by ``claim`` (or found by
    ``with_phone``/``with_email``, which hold what they find), and ``forget`` marks a lead gone before its items
    return to triage: on PostgreSQL the one waits for the other's commit (a row lock, shared by attaching,
    exclusive by forgetting), so nothing is attached to a lead after its items were returned. SQLite lets one
    writer in at a time, which orders them just as well."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lead_id: UUID) -> KnownLead | None:
        return next(iter(await self._where(known_leads.c.lead_id == lead_id)), None)

    async def claim(self, lead_id: UUID) -> KnownLead | None:
        """The lead, if it is known and not gone, held so until the commit: the caller may attach items to it."""
        return next(iter(await self._where(known_leads.c.lead_id == lead_id, hold=True)), None)

    async def is_gone(self, lead_id: UUID) -> bool:
        """Whether the lead was deleted or merged away (an unknown lead is not: it may be known later)."""
        query = select(known_leads.c.gone).where(known_leads.c.lead_id == lead_id).with_for_update(read=True)
        return bool((await self._session.execute(query)).scalar_one_or_none())

    async def with_phone(self, phone: str) -> list[KnownLead]:
        return (await self.with_phones({phone})).get(phone, [])

    async def with_phones(self, phones: Collection[str]) -> dict[str, list[KnownLead]]:
        """The leads known by each of these phones (as theirs, or as one a lead merged into them had), held like
        ``claim`` holds one; a phone no lead has is absent."""
        wanted = list(phones)
        ids = union(
            select(known_leads.c.lead_id).where(known_leads.c.phone.in_(wanted)),
            select(known_lead_contacts.c.lead_id).where(
                known_lead_contacts.c.kind == "phone", known_lead_contacts.c.value.in_(wanted)
            ),
            _open_leads_of_partners_with("phone", wanted),
        )
        found: dict[str, list[KnownLead]] = {}
        for lead in await self._where(known_leads.c.lead_id.in_(ids), hold=True):
            for phone in lead.phones & set(wanted):
                found.setdefault(phone, []).append(lead)
        return found

    async def with_email(self, email: str) -> list[KnownLead]:
        """The leads known by the address (as theirs, or as one a lead merged into them had, or as their partner's
        contact person's while they are open), held like ``claim``."""
        ids = union(
            select(known_leads.c.lead_id).where(known_leads.c.email == email),
            select(known_lead_contacts.c.lead_id).where(
                known_lead_contacts.c.kind == "email", known_lead_contacts.c.value == email
            ),
            _open_leads_of_partners_with("email", [email]),
        )
        return await self._where(known_leads.c.lead_id.in_(ids), hold=True)

    async def put_partner_contacts(self, partner_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        """The (kind, value) pairs of the partner's contact persons now, replacing those known before."""
        await self._session.execute(
            delete(known_partner_contacts).where(known_partner_contacts.c.partner_id == partner_id)
        )
        rows = [{"partner_id": partner_id, "kind": k, "value": v} for k, v in dict.fromkeys(contacts)]
        if rows:
            await self._session.execute(insert(known_partner_contacts), rows)

    async def add_contacts(self, lead_id: UUID, contacts: Iterable[tuple[str, str]]) -> None:
        """Adds (kind, value) pairs the lead is also known by; those it has already stay as they are."""
        have = {
            (kind, value)
            for kind, value in await self._session.execute(
                select(known_lead_contacts.c.kind, known_lead_contacts.c.value).where(
                    known_lead_contacts.c.lead_id == lead_id
                )
            )
        }
        new = [{"lead_id": lead_id, "kind": k, "value": v} for k, v in dict.fromkeys(contacts) if (k, v) not in have]
        if new:
            await self._session.execute(insert(known_lead_contacts), new)

    async def put_all(self, leads: Sequence[KnownLead]) -> None:
        """Adds the leads, or replaces what was known of them (events seen again); of two for one lead, the last.
        One gone stays gone."""
        latest = {lead.lead_id: lead for lead in leads}
        if not latest:
            return
        kept = [column.key for column in known_leads.c if column.key not in ("lead_id", "gone")]
        statement = upsert(self._session, known_leads, key=["lead_id"], replaced=kept)
        rows = [
            {"lead_id": lead.lead_id, "gone": False, **{key: getattr(lead, key) for key in kept}}
            for lead in latest.values()
        ]
        await self._session.execute(statement, rows)

    async def forget(self, lead_id: UUID, *, at: datetime) -> None:
        """The lead was deleted or merged into another: later calls and e-mails no longer match it, and nothing is
        attached to it any more. Kept, marked, so that holds none of what comes after (an unknown one too)."""
        result = await self._session.execute(
            update(known_leads).where(known_leads.c.lead_id == lead_id).values(gone=True)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(
                insert(known_leads).values(
                    lead_id=lead_id, phone=None, email=None, closed=True, created_at=at, gone=True
                )
            )

    async def update(self, lead_id: UUID, **values: Any) -> None:
        """A lead not known here (its creation predates this read model) is left unknown."""
        await self._session.execute(update(known_leads).where(known_leads.c.lead_id == lead_id).values(**values))

    async def _where(self, condition: ColumnElement[bool], *, hold: bool = False) -> list[KnownLead]:
        query = select(*(c for c in known_leads.c if c.key != "gone")).where(condition, _live)
        if hold:
            query = query.with_for_update(read=True)
        rows = list((await self._session.execute(query)).mappings())
        if not rows:
            return []
        others: dict[UUID, dict[str, set[str]]] = {}
        ids = [row["lead_id"] for row in rows]
        contacts = select(known_lead_contacts).where(known_lead_contacts.c.lead_id.in_(ids))
        for contact in (await self._session.execute(contacts)).mappings():
            others.setdefault(contact["lead_id"], {}).setdefault(contact["kind"], set()).add(contact["value"])
        partners: dict[UUID, dict[str, set[str]]] = {}
        partner_ids = {row["partner_id"] for row in rows} - {None}
        if partner_ids:
            query = select(known_partner_contacts).where(known_partner_contacts.c.partner_id.in_(partner_ids))
            for contact in (await self._session.execute(query)).mappings():
                partners.setdefault(contact["partner_id"], {}).setdefault(contact["kind"], set()).add(contact["value"])
        return [
            KnownLead(
                **row,
                other_phones=frozenset(others.get(row["lead_id"], {}).get("phone", ())),
                other_emails=frozenset(others.get(row["lead_id"], {}).get("email", ())),
                partner_phones=frozenset(partners.get(row["partner_id"], {}).get("phone", ())),
                partner_emails=frozenset(partners.get(row["partner_id"], {}).get("email", ())),
            )
            for row in rows
        ]


def _open_leads_of_partners_with(kind: str, values: list[str]) -> Select[Any]:
    """The open leads whose partner has a contact person with one of these phones (or addresses)."""
    partners_with = select(known_partner_contacts.c.partner_id).where(
        known_partner_contacts.c.kind == kind, known_partner_contacts.c.value.in_(values)
    )
    return select(known_leads.c.lead_id).where(
        known_leads.c.partner_id.in_(partners_with), known_leads.c.closed.is_(False)
    )


def _candidates(row: RowMapping) -> tuple[UUID, ...]:
    return tuple(UUID(i) for i in row["candidate_lead_ids"])


_RETURNED_COLUMNS = ("returned_reason", "returned_from_lead_id", "returned_detail", "returned_at")
_RAW_COLUMNS = ("raw_sha256", "raw_size")
_NOT_FIELD_COLUMNS = frozenset({*_RETURNED_COLUMNS, *_RAW_COLUMNS})


def _triage_fields(row: RowMapping) -> dict[str, Any]:
    """The row's columns as a TriageItem's fields: candidates as ids, the return to triage as one value."""
    fields = {key: value for key, value in row.items() if key not in _NOT_FIELD_COLUMNS}
    fields["candidate_lead_ids"] = tuple(UUID(i) for i in row["candidate_lead_ids"])
    reason, lead_id, detail, at = (row[column] for column in _RETURNED_COLUMNS)
    fields["returned"] = Returned(reason, lead_id, detail, at) if reason is not None else None
    return fields


def _triage_columns(item: TriageItem, table: Table, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The item's row: every column of the table, or those of ``keys``."""
    wanted = keys if keys is not None else [column.key for column in table.c]
    columns = {key: getattr(item, key) for key in wanted if key not in _NOT_FIELD_COLUMNS}
    columns["candidate_lead_ids"] = [str(i) for i in item.candidate_lead_ids]
    returned = item.returned
    values = (returned.reason, returned.lead_id, returned.detail, returned.at) if returned else (None,) * 4
    return columns | dict(zip(_RETURNED_COLUMNS, values, strict=True))


def _call(row: RowMapping) -> Call:
    return Call(**_triage_fields(row))


def _call_columns(call: Call) -> dict[str, Any]:
    return _triage_columns(call, calls)


def _email(row: RowMapping) -> Email:
    fields = _triage_fields(row)
    return Email(
        **{
            **fields,
            "references": tuple(row["references"]),
            "to": tuple(_addressee(m) for m in row["to"]),
            "cc": tuple(_addressee(m) for m in row["cc"]),
            "attachments": tuple(attachment_of(a) for a in row["attachments"]),
            "raw_message": _blob(row["raw_sha256"], row["raw_size"]),
        }
    )


def _addressee(stored: dict[str, Any]) -> Addressee:
    return Addressee(stored["address"], stored.get("name"))


def _blob(sha256: str | None, size: int | None) -> Blob | None:
    return Blob(sha256, size) if sha256 is not None and size is not None else None


def _email_columns(email: Email) -> dict[str, Any]:
    columns = _triage_columns(email, emails)
    columns["references"] = list(email.references)
    for key in ("to", "cc", "attachments"):
        columns[key] = [asdict(item) for item in columns[key]]
    raw = email.raw_message
    return columns | {"raw_sha256": raw.sha256 if raw else None, "raw_size": raw.size if raw else None}
