"""The part of `make demo` that plays a sales team's mailbox: an MTA delivers an enquiry over LMTP to communications'
mail receiver and Anna makes a lead from it; the customer's answer, in the thread, lands in the shared `sales@`
mailbox on an IMAP server (a throw-away Dovecot, when it is installed) and the mailbox connector brings it to the
lead; Anna answers from the lead card, through the company's SMTP server — played here by a local aiosmtpd server
— and her answer is sent, threaded, and shown on the card.

`make run` configures communications for it (see local_stack): the receiver on MAIL_RECEIVER_PORT, and SMTP_HOST /
SMTP_PORT pointing at the relay this demo runs."""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import imaplib
import json
import os
import signal
import smtplib
import socket
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from leadline.contracts.tooling import dovecot

Until = Callable[..., Awaitable[Any]]
Auth = Callable[[str], dict[str, str]]
IMAP_PASSWORD_VARIABLE = "LEADLINE_DEMO_IMAP_PASSWORD"


@dataclass
class Relay:
    """The company's SMTP server, as far as the demo needs one: it keeps what it is handed."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's)
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 queued"

    def with_message_id(self, message_id: str) -> tuple[list[str], EmailMessage] | None:
        with self.lock:
            return next((m for m in self.messages if m[1]["Message-ID"] == f"<{message_id}>"), None)


@contextlib.contextmanager
def relay_on(port: int) -> Iterator[Relay]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except (OSError, RuntimeError) as error:
        raise ConnectionError(f"the demo's SMTP server cannot listen on 127.0.0.1:{port} ({error})") from None
    try:
        yield handler
    finally:
        controller.stop()


def message(message_id: str, sender: str, to: str, subject: str, body: str, in_reply_to: str | None = None) -> bytes:
    """A customer's e-mail as their mail server sends it (RFC 5322)."""
    thread = f"In-Reply-To: <{in_reply_to}>\r\nReferences: <{in_reply_to}>\r\n" if in_reply_to else ""
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: {datetime.now(UTC):%a, %d %b %Y %H:%M:%S +0000}\r\nMessage-ID: <{message_id}>\r\n{thread}"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    ).encode()


def deliver_over_lmtp(port: int, sender: str, recipient: str, raw: bytes) -> None:
    """As Postfix's `mailbox_transport = lmtp:inet:…` does: one answer per recipient after DATA."""
    try:
        client = smtplib.LMTP("127.0.0.1", port, timeout=30)
    except OSError as error:
        raise ConnectionError(
            f"no mail receiver on 127.0.0.1:{port} ({error}); is `make run` up (MAIL_RECEIVER_PORT)?"
        ) from None
    try:
        refused = client.sendmail(sender, [recipient], raw)
    except smtplib.SMTPException as error:
        raise ConnectionError(f"the mail receiver refused the message: {error}") from None
    finally:
        client.quit()
    if refused:
        raise ConnectionError(f"the mail receiver refused {recipient}: {refused}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def mailbox_connector(mailbox: dovecot.Dovecot, user: str, settings: dict[str, str]) -> AsyncIterator[None]:
    """`python -m leadline.communications mailboxes` reading ``user``'s INBOX, on the communications database and
    broker ``settings`` name; stopped (SIGTERM) when the block ends."""
    config = {"name": f"demo-{user}", "host": "localhost", "port": mailbox.port, "security": "starttls"}
    config |= {"ca_file": str(mailbox.ca_file), "user": user, "password_env": IMAP_PASSWORD_VARIABLE}
    env = {**os.environ, **settings, IMAP_PASSWORD_VARIABLE: dovecot.PASSWORD, "IMAP_MAILBOXES": json.dumps([config])}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "leadline.communications",
        "mailboxes",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, errors = await asyncio.wait_for(process.communicate(), timeout=20)
        except TimeoutError:
            process.kill()
            _, errors = await process.communicate()
        if failed or process.returncode != 0:
            print(f"   the mailbox connector (exited with {process.returncode}) said: {errors.decode()[-2000:]}")


async def demo_mailbox(
    http: httpx.AsyncClient,
    urls: dict[str, str],
    ports: dict[str, int],
    connector_settings: dict[str, str],
    auth: Auth,
    until: Until,
) -> dict[str, Any]:
    """Returns the lead it made."""
    mail_url, run = urls["communications"], uuid.uuid4().hex[:6]

    async def email(message_id: str, state: str | None = None) -> Any:
        page = (await http.get(f"{mail_url}/emails?limit=200", headers=auth("marta"))).raise_for_status().json()
        found = [e for e in page["items"] if e["message_id"] == message_id]
        return found[0] if found and (state is None or found[0]["state"] == state) else None

    customer = f"Tomasz Wiśniewski <tomasz.{run}@wisniewski-transport.example>"
    print(f"5. A mailbox: an MTA delivers over LMTP to communications' mail receiver (127.0.0.1:{ports['lmtp']})")
    enquiry_id = f"lmtp-{run}@wisniewski-transport.example"
    enquiry = message(
        enquiry_id, customer, "Anna Nowak <anna@leadline.example>", "Regały do magazynu", "Prosimy o ofertę na regały."
    )
    await asyncio.to_thread(
        deliver_over_lmtp, ports["lmtp"], f"tomasz.{run}@wisniewski-transport.example", "anna@leadline.example", enquiry
    )
    waiting = await until("the delivered e-mail is registered", lambda: email(enquiry_id, "triage"))
    response = await http.post(f"{mail_url}/emails/{waiting['id']}/create-lead", json={}, headers=auth("anna"))
    lead_id = response.raise_for_status().json()["lead_id"]
    await until("the delivered e-mail is attached to the lead made from it", lambda: email(enquiry_id, "attached"))
    lead = (await http.get(f"{urls['leads']}/leads/{lead_id}", headers=auth("anna"))).raise_for_status().json()
    print(f"   {waiting['sender']}: {waiting['subject_line']!r} waits in triage; Anna makes a lead from it")
    raw = await http.get(f"{mail_url}/emails/{waiting['id']}/raw", headers=auth("anna"))
    print(f"   the message is kept as delivered: GET /emails/{{id}}/raw gives its {len(raw.content)} bytes")

    answered = waiting
    if dovecot.available():
        answer_id = f"imap-{run}@wisniewski-transport.example"
        answer = message(
            answer_id,
            customer,
            "sales@leadline.example",
            "Re: Regały do magazynu",
            "Magazyn ma 1200 m², wysokość 9 m.",
            in_reply_to=enquiry_id,
        )
        with dovecot.running(free_port(), free_port()) as imap_server:
            print(
                f"   the customer answers to sales@: the message waits in an IMAP mailbox (Dovecot :{imap_server.port})"
            )
            client = imap_server.client("sales")
            try:
                client.append("INBOX", None, imaplib.Time2Internaldate(datetime.now(UTC)), answer)
            finally:
                client.logout()
            async with mailbox_connector(imap_server, "sales", connector_settings):
                answered = await until(
                    "the mailbox connector brought the answer, attached by its thread",
                    lambda: email(answer_id, "attached"),
                )
        print(f"   the mailbox connector read it over IMAP: attached to {lead['name']!r} by its thread")
    else:
        print(f"   IMAP step skipped: {dovecot.NOT_INSTALLED}")

    with relay_on(ports["relay"]) as relay:
        print(
            "   Anna answers from the lead card (POST /leads/{id}/emails) through the SMTP server on "
            f":{ports['relay']}"
        )
        body = {"text_body": "Dziękuję, przygotujemy ofertę na 1200 m².", "reply_to_email_id": answered["id"]}
        written = await http.post(f"{mail_url}/leads/{lead_id}/emails", json=body, headers=auth("anna"))
        written_id = written.raise_for_status().json()["id"]

        async def sent() -> Any:
            found = await http.get(f"{mail_url}/written-emails/{written_id}", headers=auth("anna"))
            state = found.raise_for_status().json()
            if state["state"] == "failed":
                raise ConnectionError(f"sending Anna's answer failed: {state['failure_reason']}")
            return state if state["state"] == "sent" else None

        reply = await until("Anna's answer is sent", sent)
        recipients, sent_message = await until(
            "the SMTP server has it", lambda: asyncio.to_thread(relay.with_message_id, reply["message_id"])
        )
    print(
        f"   sent to {', '.join(recipients)} as <{reply['message_id']}>, "
        f"In-Reply-To {sent_message['In-Reply-To']}, subject {sent_message['Subject']!r}"
    )

    async def card_emails() -> list[dict[str, Any]] | None:
        card = (await http.get(f"{urls['leads']}/leads/{lead_id}/card", headers=auth("anna"))).raise_for_status()
        found = [item for item in card.json()["communications"] if item["kind"] == "email"]
        return found if reply["id"] in {item["id"] for item in found} else None

    print(f"   the lead card of {lead['name']!r} shows the conversation:")
    for item in await until("the answer is on the lead card", card_emails):
        print(f"     {item['label']}")
    return dict(lead)
