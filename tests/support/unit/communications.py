"""Communications' domain objects for unit tests."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from leadline.communications.domain.model import Call, CallState

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def a_call(*, state: CallState = "triage", extension: str | None = "101", caller_number: str = "+48601234567") -> Call:
    return Call(
        id=uuid4(),
        pbx_call_id="pbx-1",
        caller_number=caller_number,
        called_number="+48713000000",
        extension=extension,
        direction="inbound",
        received_at=RECEIVED,
        contact_number=caller_number,
        state=state,
    )
