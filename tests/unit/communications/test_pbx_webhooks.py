"""The PBX webhooks' signatures and what their notifications say. The known vectors were computed with openssl, apart
from this code: ``printf '%s' "$signed" | openssl dgst -sha1 -hmac "$secret" -r | cut -d' ' -f1 | tr -d '\\n' |
base64`` (Zadarma signs the hex digest, as PHP's hash_hmac gives it) and ``… -sha256 …`` for the generic webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from leadline.communications.adapters.pbx_webhooks import (
    Refused,
    generic_report,
    generic_signature,
    verify_generic,
    verify_zadarma,
    zadarma_reports,
    zadarma_signature,
)
from leadline.communications.adapters.zadarma import authorization
from leadline.contracts.wire.events import PbxCallEndedV1, PbxCallRingingV1, PbxRecordingAvailableV1

SECRET = "zadarma-test-secret"
START = {
    "event": "NOTIFY_START",
    "pbx_call_id": "in_8c2a61f0e0c5b4",
    "caller_id": "48601234567",
    "called_did": "48221234567",
    "call_start": "2026-11-24 10:12:00",
}
START_SIGNATURE = "MjdiYzBmNTk3NzlkOGY2YmQ1Y2JiZDgzOGY4ODMwOTVjMDA0ZTRjYQ=="
RECORD = {"event": "NOTIFY_RECORD", "pbx_call_id": "in_8c2a61f0e0c5b4", "call_id_with_rec": "rec-77"}
RECORD_SIGNATURE = "MmMzMmUwMDBhYjE1ZmIzZjJlZDY5ZGQzY2EyYTYyNjc5ODFiZjQyNw=="
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 24, 9, 13, tzinfo=UTC)


def test_zadarma_signatures_match_the_known_vectors() -> None:
    assert zadarma_signature(SECRET, "48601234567482212345672026-11-24 10:12:00") == START_SIGNATURE
    verify_zadarma(START, START_SIGNATURE, SECRET)
    verify_zadarma(RECORD, RECORD_SIGNATURE, SECRET)  # a recording signs its call id and the recording's


@pytest.mark.parametrize(
    ("form", "signature", "rule"),
    [
        pytest.param(
            {**START, "caller_id": "48601234568"}, START_SIGNATURE, "bad_signature", id="a signed field changed"
        ),
        pytest.param(
            {**START, "event": "NOTIFY_INTERNAL", "called_did": "1"},
            START_SIGNATURE,
            "bad_signature",
            id="another notification's fields",
        ),
        pytest.param(START, RECORD_SIGNATURE, "bad_signature", id="another notification's signature"),
        pytest.param(START, None, "missing_signature", id="no signature"),
        pytest.param(
            {**START, "event": "NOTIFY_IVR"},
            START_SIGNATURE,
            "unsupported_notification",
            id="a notification it does not take",
        ),
    ],
)
def test_zadarma_refuses_what_the_secret_did_not_sign(form: dict[str, str], signature: str | None, rule: str) -> None:
    with pytest.raises(Refused) as refused:
        verify_zadarma(form, signature, SECRET)

    assert refused.value.rule == rule
    assert refused.value.status == (422 if rule == "unsupported_notification" else 401)


def test_an_unsigned_field_is_not_covered_but_a_signed_one_is() -> None:
    """NOTIFY_START signs caller, called number and start: the call id is not signed (the provider's choice)."""
    verify_zadarma({**START, "pbx_call_id": "other"}, START_SIGNATURE, SECRET)
    with pytest.raises(Refused):
        verify_zadarma({**START, "call_start": "2026-11-24 10:12:01"}, START_SIGNATURE, SECRET)


def test_zadarma_notifications_become_gateway_events() -> None:
    [ringing] = zadarma_reports(START, received_at=NOW, time_zone=WARSAW)
    assert ringing == PbxCallRingingV1(
        pbx_call_id="in_8c2a61f0e0c5b4",
        direction="inbound",
        caller_number="+48601234567",  # Zadarma writes international numbers without the plus
        called_number="+48221234567",
        extension=None,
        started_at=datetime(2026, 11, 24, 9, 12, tzinfo=UTC),  # the account's local time, read in its zone
    )
    ended_out = {
        "event": "NOTIFY_OUT_END",
        "pbx_call_id": "out_1",
        "internal": "101",
        "destination": "601234567",
        "call_start": "2026-11-24 10:00:00",
        "duration": "95",
        "disposition": "answered",
        "is_recorded": "1",
        "call_id_with_rec": "rec-9",
    }
    ended, recording = zadarma_reports(ended_out, received_at=NOW, time_zone=WARSAW)
    assert isinstance(ended, PbxCallEndedV1)
    assert (ended.direction, ended.caller_number, ended.called_number, ended.extension) == (
        "outbound",
        "101",
        "601234567",  # a national number stays as written: intake reads it in the default region
        "101",
    )
    assert (ended.duration_seconds, ended.disposition, ended.ended_at) == (95, "answered", NOW)
    assert recording == PbxRecordingAvailableV1(pbx_call_id="out_1", recording_id="rec-9", available_at=NOW)
    [missed] = zadarma_reports(
        {
            **ended_out,
            "event": "NOTIFY_END",
            "caller_id": "48601234567",
            "called_did": "48221234567",
            "disposition": "cancel",
            "is_recorded": "0",
        },
        received_at=NOW,
        time_zone=WARSAW,
    )
    assert isinstance(missed, PbxCallEndedV1)
    assert (missed.direction, missed.disposition) == ("inbound", "missed")


def test_a_zadarma_notification_missing_a_field_it_needs_is_malformed() -> None:
    with pytest.raises(ValueError, match="called_did is missing"):
        zadarma_reports({**START, "called_did": ""}, received_at=NOW, time_zone=WARSAW)
    with pytest.raises(ValueError, match="call_start"):
        zadarma_reports({**START, "call_start": "24.11.2026"}, received_at=NOW, time_zone=WARSAW)


GATEWAY_SECRET = "asterisk-secret-0123456789"
BODY = b'{"event":"ringing"}'
TIMESTAMP = "1764000000"
KNOWN_SIGNATURE = "v1=0fcf5d840f01a30438be4ec712cb177bdc66cc2a9535c3dfec6bf283b606a1bc"
SIGNED_AT = datetime.fromtimestamp(int(TIMESTAMP), UTC)
TOLERANCE = timedelta(minutes=5)


def test_the_generic_signature_matches_the_known_vector() -> None:
    assert generic_signature(GATEWAY_SECRET, TIMESTAMP, BODY) == KNOWN_SIGNATURE
    verify_generic([GATEWAY_SECRET], TIMESTAMP, KNOWN_SIGNATURE, BODY, now=SIGNED_AT, tolerance=TOLERANCE)


def test_either_secret_of_a_rotation_is_accepted() -> None:
    old, new = "the-old-secret-0123456789", GATEWAY_SECRET
    by_old = generic_signature(old, TIMESTAMP, BODY)
    for secrets in ([new, old], [old, new]):
        verify_generic(secrets, TIMESTAMP, by_old, BODY, now=SIGNED_AT, tolerance=TOLERANCE)
        verify_generic(secrets, TIMESTAMP, KNOWN_SIGNATURE, BODY, now=SIGNED_AT, tolerance=TOLERANCE)
    with pytest.raises(Refused, match="matches no secret"):
        verify_generic([new], TIMESTAMP, by_old, BODY, now=SIGNED_AT, tolerance=TOLERANCE)  # once it is retired


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "rule"),
    [
        pytest.param(TIMESTAMP, KNOWN_SIGNATURE, b'{"event":"ended"}', SIGNED_AT, "bad_signature", id="tampered body"),
        pytest.param("1764000001", KNOWN_SIGNATURE, BODY, SIGNED_AT, "bad_signature", id="tampered timestamp"),
        pytest.param(
            TIMESTAMP, KNOWN_SIGNATURE, BODY, SIGNED_AT + timedelta(minutes=6), "stale_timestamp", id="replayed later"
        ),
        pytest.param(
            TIMESTAMP, KNOWN_SIGNATURE, BODY, SIGNED_AT - timedelta(minutes=6), "stale_timestamp", id="from the future"
        ),
        pytest.param("yesterday", KNOWN_SIGNATURE, BODY, SIGNED_AT, "bad_timestamp", id="not Unix seconds"),
        pytest.param(None, KNOWN_SIGNATURE, BODY, SIGNED_AT, "missing_signature", id="no timestamp"),
        pytest.param(TIMESTAMP, None, BODY, SIGNED_AT, "missing_signature", id="no signature"),
    ],
)
def test_the_generic_webhook_refuses_what_was_not_signed_now(
    timestamp: str | None, signature: str | None, body: bytes, now: datetime, rule: str
) -> None:
    with pytest.raises(Refused) as refused:
        verify_generic([GATEWAY_SECRET], timestamp, signature, body, now=now, tolerance=TOLERANCE)

    assert (refused.value.status, refused.value.rule) == (401, rule)


def test_a_gateway_without_a_secret_is_refused() -> None:
    with pytest.raises(Refused) as refused:
        verify_generic([], TIMESTAMP, KNOWN_SIGNATURE, BODY, now=SIGNED_AT, tolerance=TOLERANCE)

    assert refused.value.rule == "unknown_gateway"


def test_a_generic_notification_is_a_gateway_event_and_names_what_is_wrong() -> None:
    fields = {
        "pbx_call_id": "ast-1",
        "direction": "inbound",
        "caller_number": "601234567",
        "called_number": "221234567",
        "started_at": "2026-11-24T09:12:00Z",
    }

    report = generic_report(json.dumps({"event": "ringing", **fields}).encode())

    assert type(report) is PbxCallRingingV1
    assert report == PbxCallRingingV1.model_validate(fields)
    with pytest.raises(ValidationError) as wrong:
        generic_report(json.dumps({"event": "ended", **fields, "disposition": "hung up"}).encode())
    assert {(str(e["loc"][-1]), e["type"]) for e in wrong.value.errors()} >= {
        ("disposition", "literal_error"),
        ("ended_at", "missing"),
        ("duration_seconds", "missing"),
    }


def test_zadarma_api_requests_are_signed_as_the_provider_checks_them() -> None:
    query = "format=json&from=101&to=48601234567"

    header = authorization("key-1", SECRET, "/v1/request/callback/", query)

    assert header == "key-1:MzdmODI3M2UwYmQyNDk0NzNlNjJjYmQzM2VlOTUxMTI0OWFjNWVjMA=="
