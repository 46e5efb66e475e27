"""Reading and writing what mail adds: the sales team's addresses, the IMAP connector's positions, and e-mails
written from leads with their sending queue."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from leadline.communications.adapters.tables import employee_addresses, mailbox_positions, outbound_emails
from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.domain.model import Attachment, Blob, triage_addresses
from leadline.communications.domain.outbound import OutboundEmail, OutboundState
from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.contacts import normalised_email_or_none


def _upsert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class DirectoryRepository:
    """The work addresses of the sales team (the leads service's directory), and the shared ones from the settings."""

    def __init__(self, session: AsyncSession, shared: frozenset[str]) -> None:
        self._session = session
        self._shared = shared

    async def put(self, employee_id: str, email: str | None, *, archived: bool) -> None:
        upsert = _upsert(self._session)(employee_addresses).values(
            employee_id=employee_id, email=normalised_email_or_none(email), archived=archived
        )
        await self._session.execute(
            upsert.on_conflict_do_update(
                index_elements=[employee_addresses.c.employee_id],
                set_={"email": upsert.excluded.email, "archived": upsert.excluded.archived},
            )
        )

    async def addresses_of(self, user: Principal) -> frozenset[str]:
        """The addresses whose e-mails the user triages: theirs in the directory (unless they left the team), the
        one their token names, and the shared ones."""
        own = await self._session.execute(
            select(employee_addresses.c.email).where(
                employee_addresses.c.employee_id == user.user_id, employee_addresses.c.archived.is_(False)
            )
        )
        return triage_addresses([*own.scalars(), user.email], self._shared)

    async def address_of(self, employee_id: str) -> str | None:
        """An active employee's work address, if the directory has one."""
        return (
            await self._session.execute(
                select(employee_addresses.c.email).where(
                    employee_addresses.c.employee_id == employee_id, employee_addresses.c.archived.is_(False)
                )
            )
        ).scalar_one_or_none()


class MailboxPositionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, mailbox: str) -> MailboxPosition | None:
        row = (
            await self._session.execute(
                select(mailbox_positions.c.uidvalidity, mailbox_positions.c.last_uid).where(
                    mailbox_positions.c.mailbox == mailbox
                )
            )
        ).first()
        return MailboxPosition(row.uidvalidity, row.last_uid) if row else None

    async def advance(
        self, mailbox: str, before: MailboxPosition | None, after: MailboxPosition, *, at: datetime
    ) -> bool:
        """Moves the position from ``before`` to ``after``; False when it is no longer at ``before`` (another
        connector took the message meanwhile), so the caller's transaction must not commit its event."""
        if before is None:
            upsert = _upsert(self._session)(mailbox_positions).values(
                mailbox=mailbox, uidvalidity=after.uidvalidity, last_uid=after.last_uid, updated_at=at
            )
            result = await self._session.execute(upsert.on_conflict_do_nothing(index_elements=["mailbox"]))
        else:
            result = await self._session.execute(
                update(mailbox_positions)
                .where(
                    mailbox_positions.c.mailbox == mailbox,
                    mailbox_positions.c.uidvalidity == before.uidvalidity,
                    mailbox_positions.c.last_uid == before.last_uid,
                )
                .values(uidvalidity=after.uidvalidity, last_uid=after.last_uid, updated_at=at)
            )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


_ADDRESS_LISTS = ("to", "cc", "references")


class OutboundEmailRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, email: OutboundEmail) -> None:
        await self._session.execute(insert(outbound_emails).values(**_columns(email)))

    async def get(self, email_id: UUID) -> OutboundEmail | None:
        query = select(outbound_emails).where(outbound_emails.c.id == email_id)
        row = (await self._session.execute(query)).mappings().first()
        return _outbound(row) if row else None

    async def of_lead(self, lead_id: UUID) -> list[OutboundEmail]:
        rows = await self._session.execute(
            select(outbound_emails)
            .where(outbound_emails.c.lead_id == lead_id)
            .order_by(outbound_emails.c.written_at, outbound_emails.c.id)
        )
        return [_outbound(row) for row in rows.mappings()]

    async def due(self, now: datetime, limit: int) -> list[OutboundEmail]:
        """Queued e-mails whose time has come, oldest first."""
        rows = await self._session.execute(
            select(outbound_emails)
            .where(outbound_emails.c.state == "queued", outbound_emails.c.next_attempt_at <= now)
            .order_by(outbound_emails.c.next_attempt_at)
            .limit(limit)
        )
        return [_outbound(row) for row in rows.mappings()]

    async def abandoned(self, now: datetime) -> list[OutboundEmail]:
        """E-mails being sent whose sender's claim ran out: it stopped, or lost its way."""
        rows = await self._session.execute(
            select(outbound_emails).where(outbound_emails.c.state == "sending", outbound_emails.c.claimed_until < now)
        )
        return [_outbound(row) for row in rows.mappings()]

    async def count_by_state(self) -> dict[OutboundState, int]:
        rows = await self._session.execute(
            select(outbound_emails.c.state, func.count()).group_by(outbound_emails.c.state)
        )
        return {cast(OutboundState, state): count for state, count in rows.all()}

    async def replace(self, before: OutboundEmail, after: OutboundEmail) -> bool:
        """Writes ``after`` only if the row is still ``before`` (its state and claim): a sender whose claim was taken
        from it, or two that raced for one e-mail, learn it here instead of both acting."""
        table = outbound_emails
        condition = [table.c.id == before.id, table.c.state == before.state]
        condition.append(
            table.c.claim_token == before.claim_token if before.claim_token else table.c.claim_token.is_(None)
        )
        result = await self._session.execute(update(table).where(*condition).values(**_columns(after)))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _columns(email: OutboundEmail) -> dict[str, Any]:
    columns = {column.key: getattr(email, column.key) for column in outbound_emails.c if hasattr(email, column.key)}
    for key in _ADDRESS_LISTS:
        columns[key] = list(columns[key])
    columns["attachments"] = [asdict(attachment) for attachment in email.attachments]
    columns["raw_sha256"], columns["raw_size"] = email.raw_message.sha256, email.raw_message.size
    return columns


def _outbound(row: RowMapping) -> OutboundEmail:
    fields = {key: value for key, value in row.items() if key not in ("raw_sha256", "raw_size")}
    for key in _ADDRESS_LISTS:
        fields[key] = tuple(fields[key])
    fields["attachments"] = tuple(attachment_of(a) for a in row["attachments"])
    return OutboundEmail(**fields, raw_message=Blob(row["raw_sha256"], row["raw_size"]))


def attachment_of(stored: dict[str, Any]) -> Attachment:
    """An attachment as a JSON column keeps it (a received e-mail's, or a written one's)."""
    return Attachment(stored["file_name"], stored["content_type"], stored["size"], stored["url"], stored.get("sha256"))
