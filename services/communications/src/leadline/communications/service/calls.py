"""What every way a call enters shares: a new call matched to its lead, and how communications' call events describe
a call."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from leadline.communications.domain.model import Call, KnownLead, Match, contact_of, match_call, normalised_number
from leadline.contracts.wire.events import CallFacts, CallRegisteredV1
from leadline.contracts.wire.events.gateway import Direction


def new_call(
    *,
    pbx_call_id: str,
    direction: Direction,
    caller_number: str,
    called_number: str,
    extension: str | None,
    received_at: datetime,
    contact: str,
    phone_region: str,
    leads_by_phone: Mapping[str, Sequence[KnownLead]],
) -> tuple[Call, Match]:
    """A call the PBX reports for the first time, matched by the customer's number (``contact``, as
    ``contact_number`` gives it): the caller's inbound, the called one outbound. ``leads_by_phone`` holds the leads
    of such numbers."""
    caller = contact if direction == "inbound" else normalised_number(caller_number, phone_region)
    match = match_call(contact, leads_by_phone.get(contact, ()))
    call = Call(
        id=uuid.uuid4(),
        pbx_call_id=pbx_call_id,
        caller_number=caller,
        called_number=called_number,
        extension=extension,
        direction=direction,
        received_at=received_at,
        contact_number=contact,
        state=match.state,
        lead_id=match.lead_id,
        candidate_lead_ids=match.candidate_lead_ids,
    )
    return call, match


def contact_number(direction: Direction, caller_number: str, called_number: str, phone_region: str) -> str:
    """The customer's number, normalised as the leads' phones are, so it finds them."""
    return normalised_number(contact_of(direction, caller_number, called_number), phone_region)


def facts(call: Call) -> CallFacts:
    """What communications' call events say of a call's direction and lifecycle."""
    return CallFacts.model_construct(  # built from a stored call, valid by construction: no need to check again
        direction=call.direction,
        contact_number=call.contact_number,
        phase=call.phase,
        disposition=call.disposition,
        duration_seconds=call.duration_seconds,
        answered_by=call.answered_by,
        recording_url=call.recording_url,
        recording_id=call.recording_id,
    )


def registered(call: Call, match: Match) -> CallRegisteredV1:
    return CallRegisteredV1(
        call_id=call.id,
        pbx_call_id=call.pbx_call_id,
        caller_number=call.caller_number,
        extension=call.extension,
        received_at=call.received_at,
        state=match.state,
        lead_id=call.lead_id,
        candidate_lead_ids=list(call.candidate_lead_ids),
        # An inbound call whose gateway reports only its arrival says nothing the rest of the event does not (its
        # contact is its caller): left out, as events before directions did, on the path that must go fastest.
        call=facts(call) if call.phase is not None or call.direction == "outbound" else None,
    )
