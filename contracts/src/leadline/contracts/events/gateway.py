"""Events that gateways publish: the inbound edge of Leadline."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from leadline.contracts.events.base import Event
from leadline.contracts.topics import TELEPHONY_CALL


class CallReceivedV1(
    Event,
    type="leadline.gateway.telephony.call.received.v1",
    topic=TELEPHONY_CALL,
    subject="pbx_call_id",
):
    """A telephony gateway saw a call reach the PBX. Gateways retry: the same call may arrive twice."""

    pbx_call_id: str = Field(min_length=1, max_length=200, description="The PBX's own call id.")
    caller_number: str = Field(min_length=1, max_length=50, description="As the PBX reports it, any format.")
    called_number: str = Field(min_length=1, max_length=50)
    extension: str | None = Field(default=None, max_length=20, description="PBX extension that took the call.")
    direction: Literal["inbound", "outbound"] = "inbound"
    received_at: datetime
