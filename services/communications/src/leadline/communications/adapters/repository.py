"""Reading and writing calls, e-mails and the read model of known leads."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.communications.adapters.tables import calls, email_recipients, email_replies, emails, known_leads
from leadline.communications.domain.model import Call, Email, ItemState, KnownLead, TriageItem
from leadline.contracts.errors import StaleVersion
from leadline.contracts.events import MailAttachment, Mailbox
from leadline.contracts.pagination import newest_first

T = TypeVar("T", bound=TriageItem)

_INSERT_CALL = insert(calls)  # built once, values bound per call (see leadline.contracts.messaging.outbox)


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

    async def add(self, item: T) -> None:
        await self._session.execute(insert(self._table).values(**self._to_columns(item)))

    async def save(self, item: T) -> None:
        """Writes a changed item; refused when someone else saved a newer version meanwhile."""
        table = self._table
        result = await self._session.execute(
            update(table)
            .where(table.c.id == item.id, table.c.version == item.version - 1)
            .values(**self._to_columns(item))
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
        """Items each of these leads was requested from, not yet attached to it."""
        table = self._table
        query = select(table).where(table.c.lead_id.in_(list(lead_ids)), table.c.state == "lead_requested")
        found: dict[UUID, list[T]] = {}
        for item in await self._many(query):
            assert item.lead_id is not None
            found.setdefault(item.lead_id, []).append(item)
        return found

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
            sender="caller_number",
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
        if new_calls:
            await self._session.execute(_INSERT_CALL, [_call_columns(call) for call in new_calls])

    async def page_of_extension(
        self, extension: str | None, *, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Call], str | None]:
        """Every call, or (with an extension) those that reached it."""
        where = [calls.c.extension == extension] if extension is not None else []
        return await self.page(state=state, limit=limit, cursor=cursor, where=where)


class EmailRepository(TriageRepository[Email]):
    def __init__(self, session: AsyncSession) -> None:
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

    async def get_by_message_id(self, message_id: str) -> Email | None:
        return await self._first(emails.c.message_id == message_id)

    async def leads_of_messages(self, message_ids: Iterable[str]) -> dict[str, UUID]:
        """The lead each of these messages is attached to, for those that are."""
        rows = await self._session.execute(
            select(emails.c.message_id, emails.c.lead_id).where(
                emails.c.message_id.in_(list(message_ids)), emails.c.state == "attached"
            )
        )
        return dict(rows.all())

    async def in_triage_replying_to(self, message_id: str) -> list[Email]:
        """E-mails in triage whose In-Reply-To or References names the message."""
        replies = select(email_replies.c.email_id).where(email_replies.c.replied_message_id == message_id)
        return await self._many(select(emails).where(emails.c.id.in_(replies), emails.c.state == "triage"))

    async def page_addressed_to(
        self, address: str | None, *, state: ItemState | None, limit: int, cursor: str | None
    ) -> tuple[list[Email], str | None]:
        """Every e-mail, or (with an address) those sent to it, in To or Cc."""
        where = []
        if address is not None:
            where.append(
                emails.c.id.in_(select(email_recipients.c.email_id).where(email_recipients.c.address == address))
            )
        return await self.page(state=state, limit=limit, cursor=cursor, where=where)


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
        return await self._where(known_leads.c.phone == phone)

    async def with_phones(self, phones: Collection[str]) -> dict[str, list[KnownLead]]:
        """The leads with each of these phones; a phone no lead has is absent."""
        found: dict[str, list[KnownLead]] = {}
        for lead in await self._where(known_leads.c.phone.in_(list(phones))):
            assert lead.phone is not None
            found.setdefault(lead.phone, []).append(lead)
        return found

    async def with_email(self, email: str) -> list[KnownLead]:
        return await self._where(known_leads.c.email == email)

    async def put_all(self, leads: Sequence[KnownLead]) -> None:
        """Adds the leads, or replaces what was known of them (events seen again); of two for one lead, the last."""
        latest = {lead.lead_id: lead for lead in leads}
        if not latest:
            return
        dialect = self._session.get_bind().dialect.name
        upsert = (postgresql if dialect == "postgresql" else sqlite).insert(known_leads)
        statement = upsert.on_conflict_do_update(
            index_elements=[known_leads.c.lead_id],
            set_={column.key: upsert.excluded[column.key] for column in known_leads.c if column.key != "lead_id"},
        )
        await self._session.execute(statement, [vars(lead) for lead in latest.values()])

    async def forget(self, lead_id: UUID) -> None:
        """The lead was deleted or merged into another: later calls and e-mails no longer match it."""
        await self._session.execute(delete(known_leads).where(known_leads.c.lead_id == lead_id))

    async def update(self, lead_id: UUID, **values: Any) -> None:
        """A lead not known here (its creation predates this read model) is left unknown."""
        await self._session.execute(update(known_leads).where(known_leads.c.lead_id == lead_id).values(**values))

    async def _where(self, condition: ColumnElement[bool]) -> list[KnownLead]:
        rows = await self._session.execute(select(known_leads).where(condition))
        return [KnownLead(**row) for row in rows.mappings()]


def _candidates(row: RowMapping) -> tuple[UUID, ...]:
    return tuple(UUID(i) for i in row["candidate_lead_ids"])


def _call(row: RowMapping) -> Call:
    return Call(**{**row, "candidate_lead_ids": _candidates(row)})


def _call_columns(call: Call) -> dict[str, Any]:
    columns = {column.key: getattr(call, column.key) for column in calls.c}
    columns["candidate_lead_ids"] = [str(i) for i in call.candidate_lead_ids]
    return columns


def _email(row: RowMapping) -> Email:
    return Email(
        **{
            **row,
            "candidate_lead_ids": _candidates(row),
            "references": tuple(row["references"]),
            "to": tuple(Mailbox.model_validate(m) for m in row["to"]),
            "cc": tuple(Mailbox.model_validate(m) for m in row["cc"]),
            "attachments": tuple(MailAttachment.model_validate(a) for a in row["attachments"]),
        }
    )


def _email_columns(email: Email) -> dict[str, Any]:
    columns = {column.key: getattr(email, column.key) for column in emails.c}
    columns["candidate_lead_ids"] = [str(i) for i in email.candidate_lead_ids]
    columns["references"] = list(email.references)
    for key in ("to", "cc", "attachments"):
        columns[key] = [item.model_dump(mode="json") for item in columns[key]]
    return columns
