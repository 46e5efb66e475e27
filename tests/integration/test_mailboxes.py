"""The IMAP connector against a real IMAP server (Dovecot, started for these tests), beside communications on the
real broker and a real database: messages taken in once across restarts, processed ones flagged or moved, IDLE and
polling, TLS, and messages it must refuse left in the mailbox."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from leadline.communications.config import ImapMailbox
from leadline.communications.entrypoints.imap import REFUSED_FLAG, MailboxConnector, Mailboxes
from leadline.contracts.tooling.dovecot import PASSWORD, Dovecot
from leadline.contracts.wire.topics import MAIL_EMAIL
from tests.support import dovecot as dovecot_support
from tests.support.integration.emails import registered_emails
from tests.support.kafka import LocalKafka, end_offset
from tests.support.services import RunningService, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

PASSWORD_VARIABLE = "LEADLINE_TEST_IMAP_PASSWORD"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    yield from dovecot_support.running()


@pytest.fixture
def communications_settings() -> dict[str, Any]:
    """A small message limit, so a message over it is cheap to make."""
    return {"mail_max_message_bytes": 64 * 1024}


@pytest.fixture
def mailbox_user(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> str:
    """A mailbox of its own on the server, for one test."""
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    return f"sales-{uuid.uuid4().hex[:8]}"


def a_mailbox(dovecot: Dovecot, user: str, **settings: Any) -> ImapMailbox:
    return ImapMailbox.model_validate(
        {
            "name": user,
            "host": "127.0.0.1",
            "port": dovecot.port,
            "security": "none",
            "user": user,
            "password_env": PASSWORD_VARIABLE,
            "poll_seconds": 0.5,
            **settings,
        }
    )


def message(number: int, **headers: str) -> bytes:
    fields = {
        "From": f"Customer {number} <customer{number}@example.com>",
        "To": "sales@leadline.example",
        "Subject": f"Enquiry {number}",
        "Message-ID": f"<enquiry-{number}-{uuid.uuid4().hex[:6]}@example.com>",
        **headers,
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value)
    return f"{head}\r\nPlease quote, {number}.\r\n".encode()


def deliver(dovecot: Dovecot, user: str, *messages: bytes, folder: str = "INBOX") -> None:
    imap = dovecot.client(user)
    try:
        for raw in messages:
            imap.append(folder, None, None, raw)
    finally:
        imap.logout()


def flags(dovecot: Dovecot, user: str, folder: str = "INBOX") -> dict[int, str]:
    """Each message's flags, by UID."""
    imap = dovecot.client(user)
    try:
        imap.select(folder)
        _, data = imap.uid("fetch", "1:*", "(FLAGS)")
        found = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                text = line.decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                found[uid] = text.split("FLAGS (")[1].split(")")[0]
        return found
    finally:
        imap.logout()


@contextlib.asynccontextmanager
async def connector(svc: RunningService, mailbox: ImapMailbox) -> AsyncIterator[MailboxConnector]:
    """The connector as `python -m leadline.communications mailboxes` runs it, on the service's database, blob store
    and outbox (whose relay publishes its events)."""
    connected = MailboxConnector(mailbox, svc.runtime.unit_of_work, svc.app.state.blobs)
    async with Mailboxes([connected]).running():
        yield connected


async def published(svc: RunningService, kafka: LocalKafka, namespace: str) -> int:
    """The gateway records published, once the outbox is empty: every event the connector wrote."""
    await eventually(lambda: _drained(svc), what="the outbox was published")
    return await end_offset(kafka, namespace, MAIL_EMAIL)


async def _drained(svc: RunningService) -> bool:
    return await svc.runtime.relay.backlog() == 0


async def test_a_restarted_connector_neither_loses_nor_repeats_a_message(
    communications: RunningService, kafka: LocalKafka, namespace: str, dovecot: Dovecot, mailbox_user: str
) -> None:
    mailbox = a_mailbox(dovecot, mailbox_user)
    deliver(dovecot, mailbox_user, message(1), message(2))
    async with connector(communications, mailbox) as first:
        await registered_emails(communications, 2)
        await eventually(lambda: _flagged(dovecot, mailbox_user, 2), what="both messages flagged processed")
        deliver(dovecot, mailbox_user, message(3))  # pushed to the connector while it IDLEs
        await registered_emails(communications, 3)
    assert first.outcomes["taken_in"] == 3

    # While it is stopped: one more arrives, and a processed message loses its flag (as if the connector had stopped
    # between its commit and the flag): it is flagged again, not taken in again.
    deliver(dovecot, mailbox_user, message(4))
    imap = dovecot.client(mailbox_user)
    imap.select("INBOX")
    imap.uid("store", "1", "-FLAGS.SILENT", "($Leadline)")
    imap.logout()
    async with connector(communications, mailbox) as second:
        await registered_emails(communications, 4)
        await eventually(lambda: _flagged(dovecot, mailbox_user, 4), what="all four flagged processed")

    assert second.outcomes["taken_in"] == 1
    assert await published(communications, kafka, namespace) == 4


async def _flagged(dovecot: Dovecot, user: str, count: int) -> bool:
    return sum("$Leadline" in f.split() for f in flags(dovecot, user).values()) == count


@pytest.mark.parametrize("blob_store", ["directory", "s3"])
async def test_polling_over_tls_moves_processed_messages_and_keeps_the_raw_message_and_attachments(
    communications: RunningService, dovecot: Dovecot, mailbox_user: str
) -> None:
    raw = (
        message(1, **{"Content-Type": 'multipart/mixed; boundary="b"', "MIME-Version": "1.0"}).replace(
            b"\r\n\r\nPlease quote, 1.\r\n", b"\r\n\r\n"
        )
        + b"--b\r\nContent-Type: text/plain\r\n\r\nPlan attached.\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=plan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjcgcGxhbg==\r\n--b--\r\n"
    )
    deliver(dovecot, mailbox_user, raw)
    mailbox = a_mailbox(
        dovecot,
        mailbox_user,
        port=dovecot.port,
        security="starttls",
        host="localhost",
        ca_file=str(dovecot.ca_file),
        idle=False,
        processed="move",
        move_to="Leadline",
    )
    async with connector(communications, mailbox):
        [email] = await registered_emails(communications, 1)
        await eventually(lambda: _moved(dovecot, mailbox_user), what="the message moved to Leadline")

    stored = await communications.http.get(f"/emails/{email['id']}/raw", headers=auth("marta"))
    assert (stored.status_code, stored.content) == (200, raw)
    attachment = await communications.http.get(f"/emails/{email['id']}/attachments/1", headers=auth("marta"))
    assert (attachment.status_code, attachment.content) == (200, b"%PDF-1.7 plan")
    assert attachment.headers["content-type"] == "application/pdf"


async def _moved(dovecot: Dovecot, user: str) -> bool:
    return not flags(dovecot, user) and len(flags(dovecot, user, "Leadline")) == 1


async def test_a_message_it_cannot_take_in_stays_in_the_mailbox_flagged_and_the_next_one_comes_in(
    communications: RunningService, dovecot: Dovecot, mailbox_user: str, tmp_path: Path
) -> None:
    too_large = message(2) + b"x" * (communications.app.state.blobs.max_bytes + 1)
    deliver(dovecot, mailbox_user, message(1, From=""), too_large, message(3))
    mailbox = a_mailbox(
        dovecot, mailbox_user, security="ssl", port=dovecot.tls_port, host="localhost", ca_file=str(dovecot.ca_file)
    )
    async with connector(communications, mailbox) as connected:
        [email] = await registered_emails(communications, 1)
        await eventually(lambda: _flagged(dovecot, mailbox_user, 1), what="the good message flagged")

    assert email["subject_line"] == "Enquiry 3"
    assert connected.outcomes == {"refused": 2, "taken_in": 1}
    assert sorted(REFUSED_FLAG in f.split() for f in flags(dovecot, mailbox_user).values()) == [False, True, True]
