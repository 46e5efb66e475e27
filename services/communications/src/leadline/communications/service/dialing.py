"""Click-to-call through a PBX's API: a dial request on the gateway command topic becomes the provider's callback
(it rings the salesperson's extension, then the number). Best effort: a request the provider refuses, or one too
old to act on, is logged and counted, never retried — the salesperson clicks again; retrying later would ring them
when they no longer expect it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from leadline.communications.adapters.zadarma import ZadarmaRefused
from leadline.contracts.platform.messaging.consumer import EventHandler
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import DialRequestedV1

log = logging.getLogger(__name__)

# Older than this, a click-to-call is stale: the salesperson has moved on (the service was down, or lagging).
STALE_AFTER = timedelta(minutes=2)
DialOutcome = Literal["placed", "failed", "stale"]


class Dialer(Protocol):
    async def request_callback(self, extension: str, number: str) -> None:
        """Raises ZadarmaRefused when the PBX does not take the request."""


def dial_requests(dialer: Dialer, counted: Callable[[DialOutcome], None]) -> EventHandler:
    async def place(uow: Any, event: DialRequestedV1, envelope: Envelope) -> None:
        age = datetime.now(UTC) - event.requested_at
        if age > STALE_AFTER:
            log.warning("dial request %s is %.0fs old: not placed", event.dial_id, age.total_seconds())
            counted("stale")
            return
        try:
            await dialer.request_callback(event.extension, event.number)
        except ZadarmaRefused as error:
            log.warning("dial request %s (extension %s) was not placed: %s", event.dial_id, event.extension, error)
            counted("failed")
            return
        counted("placed")

    return place
