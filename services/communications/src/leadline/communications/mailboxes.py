"""`python -m leadline.communications mailboxes`: the IMAP connector as a process of its own, beside `serve`
(one is enough; a second on the same mailboxes gives way message by message, see entrypoints/imap.py). It writes
to the communications database and publishes through its own outbox relay; SIGTERM or Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import logging
import signal

from leadline.communications.app import create_mailboxes
from leadline.communications.config import Settings
from leadline.contracts.platform.settings import ServiceSettings

log = logging.getLogger(__name__)


def run_mailboxes(settings: ServiceSettings) -> None:
    assert isinstance(settings, Settings)
    if not settings.imap_mailboxes:
        raise SystemExit("mailboxes: IMAP_MAILBOXES names no mailbox; see the README (Connecting a mailbox)")
    asyncio.run(_until_stopped(settings))


async def _until_stopped(settings: Settings) -> None:
    runtime, mailboxes = create_mailboxes(settings)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    async with runtime.running():
        log.info("mailboxes: reading %s", ", ".join(c.mailbox.name for c in mailboxes.connectors))
        await stopped.wait()
    log.info("mailboxes: stopped")
