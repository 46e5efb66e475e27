"""The two webhook protocols a PBX can report calls by, turned into the telephony gateway's events.

- **Zadarma-compatible**: form-encoded notifications (``event=NOTIFY_START`` …) with a ``Signature`` header: base64 of
  the hexadecimal HMAC-SHA1, keyed with the API secret, of a few of the notification's fields concatenated — which
  fields depends on the notification (``ZADARMA_SIGNED``, as the provider's API library's webhook classes define
  them). Times are the PBX account's local time, ``YYYY-MM-DD HH:MM:SS``.
- **Generic**: a JSON body (a gateway event's fields, with ``event`` naming which), a ``X-Leadline-Timestamp`` header
  (Unix seconds) and ``X-Leadline-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed with the gateway's
  secret; a timestamp outside the tolerance is a replay, and a gateway may have two secrets while it rotates.

Pure: no I/O here. What a request breaks is a ``Refused`` naming the rule; the entrypoint answers and counts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, TypeAdapter

from leadline.contracts.wire.events import (
    PbxCallAnsweredV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.wire.events.gateway import Direction, Disposition, PbxReport


class Refused(Exception):
    """A notification that is not taken: ``rule`` names why (it labels the refusals counted in /metrics)."""

    def __init__(self, status: int, rule: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.rule = rule
        self.message = message


# Which fields each notification signs, concatenated in this order (missing ones count as empty).
ZADARMA_SIGNED: dict[str, tuple[str, ...]] = {
    "NOTIFY_START": ("caller_id", "called_did", "call_start"),
    "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
    "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
    "NOTIFY_END": ("caller_id", "called_did", "call_start"),
    "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
    "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
}
ZADARMA_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def zadarma_signature(secret: str, signed: str) -> str:
    """base64 of the hex digest, as PHP's ``base64_encode(hash_hmac('sha1', …))`` gives it."""
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


def zadarma_signed_string(form: Mapping[str, str]) -> str:
    return "".join(form.get(field, "") for field in ZADARMA_SIGNED[form["event"]])


def verify_zadarma(form: Mapping[str, str], signature: str | None, secret: str) -> None:
    """Refuses a notification this endpoint does not take, or one the secret did not sign."""
    if not secret:
        raise Refused(401, "webhook_not_configured", "no ZADARMA_API_SECRET is configured to verify notifications")
    if not signature:
        raise Refused(401, "missing_signature", "the Signature header is missing")
    event = form.get("event")
    if event not in ZADARMA_SIGNED:
        raise Refused(422, "unsupported_notification", f"event must be one of {', '.join(ZADARMA_SIGNED)}")
    if not hmac.compare_digest(zadarma_signature(secret, zadarma_signed_string(form)), signature.strip()):
        raise Refused(401, "bad_signature", f"the Signature does not match the {event} notification's fields")


# Zadarma writes numbers internationally without the plus; a short one is an extension or a national number.
_INTERNATIONAL_DIGITS = re.compile(r"^[1-9][0-9]{10,14}$")
_ZADARMA_DISPOSITIONS: dict[str, Disposition] = {"answered": "answered", "busy": "busy", "no answer": "no-answer"}


def _number(value: str) -> str:
    return f"+{value}" if _INTERNATIONAL_DIGITS.match(value) else value


def _disposition(value: str, direction: Direction) -> Disposition:
    """Zadarma's dispositions ('cancel': the caller hung up first; 'no money', 'line limit'… : it could not connect)."""
    if value == "cancel":
        return "missed" if direction == "inbound" else "no-answer"
    return _ZADARMA_DISPOSITIONS.get(value, "failed")


def zadarma_reports(form: Mapping[str, str], *, received_at: datetime, time_zone: ZoneInfo) -> list[PbxReport]:
    """The gateway events a verified Zadarma notification says. Raises ValueError (a pydantic ValidationError for a
    field) when a field it needs is missing or malformed. ``received_at`` stands for when an answer or an end
    happened: Zadarma notifies as it happens and does not say the time."""

    def field(name: str) -> str:
        value = form.get(name, "").strip()
        if not value:
            raise ValueError(f"{name} is missing")
        return value

    def optional(name: str) -> str | None:
        return form.get(name, "").strip() or None

    def started() -> datetime:
        try:
            return datetime.strptime(field("call_start"), ZADARMA_TIME_FORMAT).replace(tzinfo=time_zone)
        except ValueError as error:
            raise ValueError(f"call_start: {error}") from None

    event = form["event"]
    pbx_call_id = field("pbx_call_id")
    match event:
        case "NOTIFY_START" | "NOTIFY_INTERNAL":
            caller, called = _number(field("caller_id")), _number(field("called_did"))
            ringing = PbxCallRingingV1(
                pbx_call_id=pbx_call_id,
                direction="inbound",
                caller_number=caller,
                called_number=called,
                extension=optional("internal"),
                started_at=started(),
            )
            return [ringing]
        case "NOTIFY_ANSWER":
            answered = PbxCallAnsweredV1(
                pbx_call_id=pbx_call_id,
                extension=optional("internal"),
                answered_at=received_at,
                direction="inbound",
                caller_number=_number(field("caller_id")),
                called_number=_number(field("destination")),
            )
            return [answered]
        case "NOTIFY_OUT_START":
            placed_by = field("internal")
            outbound = PbxCallRingingV1(
                pbx_call_id=pbx_call_id,
                direction="outbound",
                caller_number=_number(optional("caller_id") or placed_by),
                called_number=_number(field("destination")),
                extension=placed_by,
                started_at=started(),
            )
            return [outbound]
        case "NOTIFY_END" | "NOTIFY_OUT_END":
            direction: Direction = "inbound" if event == "NOTIFY_END" else "outbound"
            extension = optional("internal")
            begun = started()
            duration = int(field("duration"))
            caller = (
                _number(field("caller_id"))
                if direction == "inbound"
                else _number(optional("caller_id") or field("internal"))
            )
            called = _number(field("called_did")) if direction == "inbound" else _number(field("destination"))
            ended = PbxCallEndedV1(
                pbx_call_id=pbx_call_id,
                direction=direction,
                caller_number=caller,
                called_number=called,
                extension=extension,
                started_at=begun,
                ended_at=max(received_at, begun + timedelta(seconds=duration)),
                duration_seconds=duration,
                disposition=_disposition(field("disposition"), direction),
            )
            recording = optional("call_id_with_rec") if form.get("is_recorded") == "1" else None
            if recording is None:
                return [ended]
            return [ended, _recording(pbx_call_id, recording, received_at)]
        case "NOTIFY_RECORD":
            return [_recording(pbx_call_id, field("call_id_with_rec"), received_at)]
    raise ValueError(f"event {event!r} is not a call notification")


def _recording(pbx_call_id: str, recording_id: str, at: datetime) -> PbxRecordingAvailableV1:
    """Zadarma keeps the recording; its API gives a link to it on request (pbx/record/request) by this id."""
    return PbxRecordingAvailableV1(pbx_call_id=pbx_call_id, recording_id=recording_id, available_at=at)


TIMESTAMP_HEADER = "X-Leadline-Timestamp"
SIGNATURE_HEADER = "X-Leadline-Signature"
SIGNATURE_VERSION = "v1"


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``<timestamp>.<body>``: the timestamp is signed, so it cannot be replaced."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_generic(
    secrets: Sequence[str],
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: datetime,
    tolerance: timedelta,
) -> None:
    """Refuses a request no current secret of the gateway signed, or one signed too long ago or ahead (a replay, or
    a clock to fix). Any of the gateway's secrets will do: a new one and the one it replaces, while it rotates."""
    if not secrets:
        raise Refused(401, "unknown_gateway", "no secret is configured for this gateway (TELEPHONY_WEBHOOK_SECRETS)")
    if not timestamp or not signature:
        raise Refused(401, "missing_signature", f"the {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required")
    if not timestamp.isdigit() or len(timestamp) > 12:
        raise Refused(401, "bad_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds")
    skew = abs(now.timestamp() - int(timestamp))
    if skew > tolerance.total_seconds():
        raise Refused(
            401,
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is {skew:.0f}s away from now; at most {tolerance.total_seconds():.0f}s is accepted",
        )
    offered = [part.strip() for part in signature.split(",")]  # a sender may sign with both secrets
    if not any(
        hmac.compare_digest(generic_signature(secret, timestamp, body), candidate)
        for secret in secrets
        for candidate in offered
    ):
        raise Refused(401, "bad_signature", f"{SIGNATURE_HEADER} matches no secret of this gateway")


_STRICT = ConfigDict(extra="forbid")


class RingingNotification(PbxCallRingingV1):
    model_config = _STRICT
    event: Literal["ringing"]


class AnsweredNotification(PbxCallAnsweredV1):
    model_config = _STRICT
    event: Literal["answered"]


class EndedNotification(PbxCallEndedV1):
    model_config = _STRICT
    event: Literal["ended"]


class RecordingNotification(PbxRecordingAvailableV1):
    model_config = _STRICT
    event: Literal["recording_available"]


Notification = Annotated[
    RingingNotification | AnsweredNotification | EndedNotification | RecordingNotification,
    Field(discriminator="event"),
]
NOTIFICATION = TypeAdapter(Notification)
_GATEWAY_EVENT: dict[str, type[PbxReport]] = {
    "ringing": PbxCallRingingV1,
    "answered": PbxCallAnsweredV1,
    "ended": PbxCallEndedV1,
    "recording_available": PbxRecordingAvailableV1,
}


def generic_report(body: bytes) -> PbxReport:
    """The gateway event a verified generic notification is; a pydantic ValidationError names what is wrong."""
    notification = NOTIFICATION.validate_json(body)
    gateway_event = _GATEWAY_EVENT[notification.event]
    return gateway_event.model_validate(notification.model_dump(exclude={"event"}))
