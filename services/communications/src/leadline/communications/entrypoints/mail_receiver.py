"""The mail receiver: an LMTP (or SMTP) server an MTA delivers to, e.g. Postfix with
``mailbox_transport = lmtp:inet:<host>:<port>``. Each message it accepts is stored (raw and attachments in the blob
store) and becomes the mail gateway's event, through the outbox, like an upload; it answers only once that is
committed, so a message the MTA was told is delivered is never lost, and one it was not told about stays with the MTA
to be retried.

Answers, as an MTA understands them: a recipient Leadline does not receive for is refused at RCPT (550 5.1.1); a
message over the size limit at MAIL FROM (it declares SIZE) or at the end of DATA (552 5.3.4); one that cannot be
described (no sender, a broken address) for good (550 5.6.0, with the reason: the MTA bounces it to its sender); a
failure here (the database, the blob store) for now (451 4.3.0: the MTA tries again later). LMTP answers DATA once
per accepted recipient (RFC 2033): one message is stored for all of them, so they get the same answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from datetime import UTC, datetime
from typing import Any, Literal

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from leadline.communications.adapters.blobs import BlobStore, BlobTooLarge
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.service import intake
from leadline.communications.service.mail_intake import receive_bytes
from leadline.contracts.platform.contacts import normalised_email
from leadline.contracts.platform.errors import RuleViolation

log = logging.getLogger(__name__)


class Recipients:
    """Whom Leadline receives mail for: whole domains, and single addresses."""

    def __init__(self, domains: Collection[str], addresses: Collection[str]) -> None:
        self._domains = frozenset(domain.lower().lstrip("@") for domain in domains)
        self._addresses = frozenset(normalised_email(address) for address in addresses)

    def accepts(self, address: str) -> bool:
        address = normalised_email(address)
        return address in self._addresses or address.rpartition("@")[2] in self._domains


class MailHandler:
    """What aiosmtpd calls for each command of a delivery."""

    def __init__(
        self,
        unit_of_work: Callable[[], CommunicationsUnitOfWork],
        blobs: BlobStore,
        recipients: Recipients,
        *,
        per_recipient: bool,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._blobs = blobs
        self._recipients = recipients
        self._per_recipient = per_recipient
        self.outcomes: Counter[str] = Counter()  # accepted, refused, deferred: for /metrics

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not self._recipients.accepts(address):
            return f"550 5.1.1 <{address}>: Leadline receives no mail for this address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        status = await self._take_in(envelope.original_content or b"")
        return "\r\n".join([status] * len(envelope.rcpt_tos)) if self._per_recipient else status

    async def _take_in(self, raw: bytes) -> str:
        try:
            event = await receive_bytes(self._blobs, raw, received_at=datetime.now(UTC))
            async with self._unit_of_work() as uow:
                await intake.take_in_message(uow, event)
                await uow.commit()
        except RuleViolation as refusal:
            self.outcomes["refused"] += 1
            return f"550 5.6.0 {_one_line(refusal.message)}"
        except BlobTooLarge as error:
            self.outcomes["refused"] += 1
            return f"552 5.3.4 the message is larger than {error.limit} bytes"
        except Exception:
            log.exception("mail receiver: a message could not be taken in; the MTA will try again")
            self.outcomes["deferred"] += 1
            return "451 4.3.0 the message could not be stored now; try again later"
        self.outcomes["accepted"] += 1
        return f"250 2.0.0 <{event.message_id}> taken in"


class _PerRecipientLMTP(LMTP):
    """aiosmtpd's LMTP answers a DATA it refuses itself (too much data, a line too long) once; LMTP wants one answer
    per accepted recipient, or the MTA waits for the others."""

    _in_data = False

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
        self._in_data = True
        try:
            await super().smtp_DATA(arg)
        finally:
            self._in_data = False

    async def push(self, status: Any) -> None:
        text = status.decode() if isinstance(status, bytes) else str(status)
        if self._in_data and "\r\n" not in text and not text.startswith("354") and self.envelope is not None:
            text = "\r\n".join([text] * max(1, len(self.envelope.rcpt_tos)))
        await super().push(text)


class MailReceiver:
    def __init__(
        self,
        handler: MailHandler,
        *,
        host: str,
        port: int,
        protocol: Literal["lmtp", "smtp"],
        max_message_bytes: int,
    ) -> None:
        self.handler = handler
        self._host, self._port = host, port
        self._protocol = _PerRecipientLMTP if protocol == "lmtp" else SMTP
        self._max_bytes = max_message_bytes
        self.port: int | None = None  # where it listens, once it does (a port of 0 picks a free one)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[MailReceiver]:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: self._protocol(
                self.handler,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                ident="Leadline mail receiver",
                loop=loop,
            ),
            host=self._host,
            port=self._port,
        )
        self.port = server.sockets[0].getsockname()[1]
        log.info("mail receiver (%s) on %s:%s", self._protocol.__name__, self._host, self.port)
        try:
            yield self
        finally:
            server.close()
            await server.wait_closed()


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]
