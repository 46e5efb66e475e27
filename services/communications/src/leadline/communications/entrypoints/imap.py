"""The IMAP mailbox connector: reads each configured mailbox (a shared ``sales@`` inbox on the company's IMAP server)
with aioimaplib, and takes every new message in like the other mail adapters (stored, then the mail gateway's event
through the outbox). IDLE when the server offers it (new mail is pushed), polling every ``poll_seconds`` otherwise.

Neither lost nor repeated across restarts: the connector remembers, per mailbox, the folder's UIDVALIDITY and the
last UID it took in, and advances that position in the transaction that puts the message's event in the outbox,
only if the position is still where it was read (a second connector on the same mailbox then gives way). A crash
before that commit takes the message in again on restart; after it, the message is past the position. A processed
message is then flagged or moved as configured; one processed before a crash, but not yet flagged or moved, is on
the next start (everything at or below the position is processed).

A new UIDVALIDITY (the folder was recreated, its UIDs mean other messages now) starts the folder over: what it holds
is taken in again, and intake stores each Message-ID once. A message that is too large or cannot be described is
not taken in but never lost either: it stays in the folder, with the keyword ``$LeadlineRefused``, and is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import aioimaplib

from leadline.communications.adapters.blobs import BlobStore, BlobTooLarge
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.config import ImapMailbox
from leadline.communications.domain.mailbox_position import MailboxPosition
from leadline.communications.service import intake
from leadline.communications.service.mail_intake import receive_bytes
from leadline.contracts.platform.backoff import Backoff
from leadline.contracts.platform.errors import RuleViolation

log = logging.getLogger(__name__)

REFUSED_FLAG = "$LeadlineRefused"
RECONNECT = Backoff(first_seconds=1.0, max_seconds=60.0)
COMMAND_SECONDS = 120.0  # one command's answer, a FETCH of a message as large as the limit included

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_UIDS = re.compile(rb"[\d ]*")


class ImapFailure(Exception):
    """The server answered a command with NO or BAD."""


class MailboxConnector:
    def __init__(
        self,
        mailbox: ImapMailbox,
        unit_of_work: Callable[[], CommunicationsUnitOfWork],
        blobs: BlobStore,
    ) -> None:
        self.mailbox = mailbox
        self._unit_of_work = unit_of_work
        self._blobs = blobs
        self.outcomes: Counter[str] = Counter()  # taken_in, refused
        self.connected = asyncio.Event()  # set while a session is up (tests wait on it)

    async def run(self) -> None:
        """Sessions with the server, one after another: a failure (the server gone, a timeout) is logged, and a new
        session starts after a pause that doubles up to a minute."""
        failures = 0
        while True:
            pause = RECONNECT.seconds(failures)
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("mailbox %s: %r; connecting again in %.0f s", self.mailbox.name, error, pause)
            self.connected.clear()
            await asyncio.sleep(pause)
            failures += 1

    async def _session(self) -> None:
        imap = await self._connect()
        try:
            if self.mailbox.processed == "move":
                await imap.create(_quoted(self.mailbox.move_to))  # NO when it exists already: that is fine
            uidvalidity = await self._select(imap)
            self.connected.set()
            idle = self.mailbox.idle and imap.has_capability("IDLE")
            log.info("mailbox %s: connected (%s)", self.mailbox.name, "IDLE" if idle else "polling")
            while True:
                await self._take_in_new(imap, uidvalidity)
                if idle:
                    await self._idle(imap)
                else:
                    await asyncio.sleep(self.mailbox.poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(imap.logout(), 5)

    async def _connect(self) -> aioimaplib.IMAP4:
        mailbox = self.mailbox
        context = ssl.create_default_context(cafile=mailbox.ca_file) if mailbox.security != "none" else None
        imap: aioimaplib.IMAP4
        if mailbox.security == "ssl":
            imap = aioimaplib.IMAP4_SSL(mailbox.host, mailbox.server_port, timeout=COMMAND_SECONDS, ssl_context=context)
        else:
            imap = aioimaplib.IMAP4(mailbox.host, mailbox.server_port, timeout=COMMAND_SECONDS)
        await imap.wait_hello_from_server()
        if mailbox.security == "starttls":
            assert context is not None
            await _start_tls(imap, context, mailbox.host)
        _ok(await imap.login(mailbox.user, mailbox.password.get_secret_value()), "LOGIN")
        return imap

    async def _select(self, imap: aioimaplib.IMAP4) -> int:
        response = _ok(await imap.select(_quoted(self.mailbox.folder)), "SELECT")
        for line in response.lines:
            if isinstance(line, bytes | bytearray) and (found := _UIDVALIDITY.search(line)):
                return int(found.group(1))
        raise ImapFailure(f"SELECT {self.mailbox.folder} named no UIDVALIDITY")

    async def _idle(self, imap: aioimaplib.IMAP4) -> None:
        """Waits until the server pushes news (new mail) or ``poll_seconds`` pass, whichever comes first."""
        idle = await imap.idle_start(timeout=self.mailbox.poll_seconds)
        try:
            await imap.wait_server_push()
        finally:
            imap.idle_done()
            await asyncio.wait_for(idle, COMMAND_SECONDS)

    async def _take_in_new(self, imap: aioimaplib.IMAP4, uidvalidity: int) -> None:
        async with self._unit_of_work() as uow:
            position = await intake.mailbox_position(uow, self.mailbox.name)
        if position is not None and position.uidvalidity != uidvalidity:
            log.warning(
                "mailbox %s: UIDVALIDITY changed from %d to %d; taking the folder in from its start",
                self.mailbox.name,
                position.uidvalidity,
                uidvalidity,
            )
        last = position.last_uid if position is not None and position.uidvalidity == uidvalidity else 0
        if last:
            await self._dispose(imap, await self._search(imap, f"UID 1:{last}", *self._unprocessed()))
        for uid in await self._search(imap, f"UID {last + 1}:*", *self._unprocessed()):
            if uid > last:  # "n:*" names the last message even when its UID is below n
                await self._take_in_one(imap, uid, position, MailboxPosition(uidvalidity, uid))
                position = MailboxPosition(uidvalidity, uid)

    def _unprocessed(self) -> tuple[str, ...]:
        """Search keys leaving out what is flagged processed, or refused."""
        flagged = ("UNKEYWORD", self.mailbox.processed_flag) if self.mailbox.processed == "flag" else ()
        return (*flagged, "UNKEYWORD", REFUSED_FLAG)

    async def _take_in_one(
        self, imap: aioimaplib.IMAP4, uid: int, before: MailboxPosition | None, after: MailboxPosition
    ) -> None:
        refusal: str | None = None
        event = None
        size = await self._size(imap, uid)
        if size > self._blobs.max_bytes:
            refusal = f"{size} bytes, over the limit of {self._blobs.max_bytes}"
        else:
            raw = await self._fetch(imap, uid, size)
            try:
                event = await receive_bytes(self._blobs, raw, received_at=datetime.now(UTC))
            except RuleViolation as error:
                refusal = error.message
            except BlobTooLarge as error:
                refusal = f"over the limit of {error.limit} bytes"
        async with self._unit_of_work() as uow:
            if not await intake.take_in_from_mailbox(uow, self.mailbox.name, before, after, event):
                log.info("mailbox %s: UID %d was taken in by another connector", self.mailbox.name, uid)
                return
            await uow.commit()
        if refusal is not None:
            log.warning("mailbox %s: UID %d refused and left in the folder: %s", self.mailbox.name, uid, refusal)
            self.outcomes["refused"] += 1
            await self._store(imap, uid, REFUSED_FLAG)
        else:
            self.outcomes["taken_in"] += 1
            await self._dispose(imap, [uid])

    async def _dispose(self, imap: aioimaplib.IMAP4, uids: Sequence[int]) -> None:
        """Processed messages are flagged, or moved out of the folder, as configured."""
        if not uids:
            return
        uid_set = ",".join(str(uid) for uid in uids)
        if self.mailbox.processed == "flag":
            await self._store(imap, uid_set, self.mailbox.processed_flag)
        elif imap.has_capability("MOVE"):
            _ok(await imap.uid("move", uid_set, _quoted(self.mailbox.move_to)), "MOVE")
        else:
            _ok(await imap.uid("copy", uid_set, _quoted(self.mailbox.move_to)), "COPY")
            await self._store(imap, uid_set, "\\Deleted")
            _ok(await imap.uid("expunge", uid_set), "UID EXPUNGE")

    async def _store(self, imap: aioimaplib.IMAP4, uid_set: str | int, flag: str) -> None:
        _ok(await imap.uid("store", str(uid_set), "+FLAGS.SILENT", f"({flag})"), "STORE")

    async def _search(self, imap: aioimaplib.IMAP4, *criteria: str) -> list[int]:
        response = _ok(await imap.uid_search(*criteria, charset=None), "UID SEARCH")
        uids: list[int] = []
        for line in response.lines[:-1]:  # the last is the command's completion
            # aioimaplib hands "* SEARCH 3 5" on as b"3 5"; other untagged news (b"4 EXISTS") is not a result
            if isinstance(line, bytes | bytearray) and _UIDS.fullmatch(line.removeprefix(b"SEARCH")):
                uids.extend(int(uid) for uid in line.removeprefix(b"SEARCH").split())
        return sorted(uids)

    async def _size(self, imap: aioimaplib.IMAP4, uid: int) -> int:
        response = _ok(await imap.uid("fetch", str(uid), "(RFC822.SIZE)"), "FETCH RFC822.SIZE")
        for line in response.lines:
            if isinstance(line, bytes | bytearray) and (found := _SIZE.search(line)):
                return int(found.group(1))
        raise ImapFailure(f"FETCH named no size for UID {uid}")

    async def _fetch(self, imap: aioimaplib.IMAP4, uid: int, size: int) -> bytes:
        """The message's bytes; BODY.PEEK leaves its \\Seen flag as it was (people read the mailbox too)."""
        response = _ok(await imap.uid("fetch", str(uid), "(BODY.PEEK[])"), "FETCH BODY")
        literals = [line for line in response.lines if isinstance(line, bytearray)]
        if not literals:
            raise ImapFailure(f"FETCH returned no message for UID {uid}")
        return bytes(literals[0])


class Mailboxes:
    """Every configured mailbox's connector, run side by side."""

    def __init__(self, connectors: Sequence[MailboxConnector]) -> None:
        self.connectors = list(connectors)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Mailboxes]:
        tasks = [asyncio.create_task(c.run(), name=f"mailbox-{c.mailbox.name}") for c in self.connectors]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _start_tls(imap: aioimaplib.IMAP4, context: ssl.SSLContext, host: str) -> None:
    """STARTTLS (RFC 3501 6.2.1), which aioimaplib lists but does not carry out: the command, then TLS on the same
    connection, then the capabilities again (they may differ once encrypted)."""
    protocol = imap.protocol
    command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
    _ok(await asyncio.wait_for(protocol.execute(command), COMMAND_SECONDS), "STARTTLS")
    loop = asyncio.get_running_loop()
    protocol.transport = await loop.start_tls(protocol.transport, protocol, context, server_hostname=host)
    await asyncio.wait_for(protocol.capability(), COMMAND_SECONDS)


def _ok(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        detail = b" ".join(bytes(line) for line in response.lines[-1:]).decode(errors="replace")
        raise ImapFailure(f"{what}: {response.result} {detail}")
    return response


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
