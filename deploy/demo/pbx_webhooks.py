"""The part of `make demo` that plays a PBX reporting through communications' webhooks (signed HTTP), not Kafka:
a Zadarma PBX reports a missed call, Anna finds it on her list of missed calls and clicks to call back, and an
Asterisk-like PBX script reports the call back through the generic signed webhook; the call back clears the missed
call, and the calls report counts both."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from leadline.communications.adapters.pbx_webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generic_signature,
    zadarma_signature,
    zadarma_signed_string,
)
from leadline.communications.config import LOCAL_PBX_GATEWAY, LOCAL_PBX_SECRET, LOCAL_ZADARMA_SECRET
from leadline.contracts.wire.events import DialRequestedV1
from leadline.contracts.wire.topics import TELEPHONY_COMMAND

Until = Callable[..., Awaitable[Any]]
Auth = Callable[[str], dict[str, str]]


def gateway_secret() -> tuple[str, str]:
    """The generic webhook's gateway and secret: the first of TELEPHONY_WEBHOOK_SECRETS, as the service reads it, or
    the development one `make run` accepts."""
    configured = json.loads(os.environ.get("TELEPHONY_WEBHOOK_SECRETS") or "{}")
    if configured:
        gateway, secrets = next(iter(configured.items()))
        return gateway, secrets[0]
    return LOCAL_PBX_GATEWAY, LOCAL_PBX_SECRET


class Pbx:
    """Signs notifications as a PBX does."""

    def __init__(self, http: httpx.AsyncClient, communications: str) -> None:
        self._http, self._url = http, communications
        self.gateway, self._secret = gateway_secret()
        self._zadarma_secret = os.environ.get("ZADARMA_API_SECRET") or LOCAL_ZADARMA_SECRET
        self._zone = ZoneInfo(
            os.environ.get("ZADARMA_TIME_ZONE") or os.environ.get("COMPANY_TIME_ZONE") or "Europe/Warsaw"
        )

    def zadarma_time(self, moment: datetime) -> str:
        return moment.astimezone(self._zone).strftime("%Y-%m-%d %H:%M:%S")

    async def zadarma(self, form: dict[str, str]) -> httpx.Response:
        signature = zadarma_signature(self._zadarma_secret, zadarma_signed_string(form))
        return await self._http.post(f"{self._url}/telephony/zadarma", data=form, headers={"Signature": signature})

    async def script(self, body: dict[str, Any], *, secret: str | None = None) -> httpx.Response:
        content, timestamp = json.dumps(body).encode(), str(int(time.time()))
        signature = generic_signature(secret or self._secret, timestamp, content)
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}
        return await self._http.post(f"{self._url}/telephony/webhooks/{self.gateway}", content=content, headers=headers)


async def dial_request(kafka: dict[str, Any], prefix: str, dial_id: str, until: Until) -> DialRequestedV1:
    """The click-to-call as a telephony gateway reads it from its command topic."""
    consumer = AIOKafkaConsumer(**kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(prefix + TELEPHONY_COMMAND.name, p) for p in range(TELEPHONY_COMMAND.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen: list[DialRequestedV1] = []

        async def read() -> DialRequestedV1 | None:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(DialRequestedV1.model_validate_json(record.value) for record in batch)
            return next((request for request in seen if str(request.dial_id) == dial_id), None)

        found: DialRequestedV1 = await until("the dial request is on the gateway command topic", read)
        return found
    finally:
        await consumer.stop()


async def demo_pbx(
    http: httpx.AsyncClient,
    urls: dict[str, str],
    kafka: dict[str, Any],
    prefix: str,
    auth: Auth,
    until: Until,
    lead: dict[str, Any],
) -> None:
    communications, reporting = urls["communications"], urls["reporting"]
    pbx = Pbx(http, communications)
    started = datetime.now(UTC).replace(microsecond=0)
    run = uuid.uuid4().hex[:8]
    customer = lead["phone"].lstrip("+")  # Zadarma writes international numbers without the plus
    print(
        f"6. A Zadarma PBX reports by webhook (POST {communications}/telephony/zadarma, signed): "
        f"{lead['phone']} calls, it rings extension 101, nobody answers"
    )
    missed = {
        "pbx_call_id": f"in_{run}",
        "caller_id": customer,
        "called_did": "48223500000",
        "call_start": pbx.zadarma_time(started),
    }
    for form in (
        {"event": "NOTIFY_START", **missed},
        {"event": "NOTIFY_INTERNAL", **missed, "internal": "101"},
        {
            "event": "NOTIFY_END",
            **missed,
            "internal": "101",
            "duration": "0",
            "disposition": "cancel",
            "is_recorded": "0",
        },
    ):
        (await pbx.zadarma(form)).raise_for_status()
    forged = await pbx.script({"event": "ringing"}, secret="someone-without-the-secret")
    print(f"   a notification signed with another secret is refused: {forged.status_code} {forged.json()['type']}")

    async def annas_missed() -> list[dict[str, Any]]:
        page = (await http.get(f"{communications}/calls/missed", headers=auth("anna"))).raise_for_status().json()
        return [call for call in page["items"] if call["pbx_call_id"] == missed["pbx_call_id"]]

    [call] = await until("the missed call is on anna's list", annas_missed)
    print(f"   on Anna's missed calls: {call['contact_number']} ({call['disposition']}), lead {lead['name']!r}")

    dialled = await http.post(f"{communications}/calls/dial", json={"lead_id": lead["id"]}, headers=auth("anna"))
    request = await dial_request(kafka, prefix, dialled.raise_for_status().json()["dial_id"], until)
    print(
        f"7. Anna clicks to call back: a dial request for extension {request.extension} -> {request.number} "
        f"on {prefix + TELEPHONY_COMMAND.name}"
    )
    back = started + timedelta(minutes=2)
    parties = {
        "pbx_call_id": f"ast-{run}",
        "direction": "outbound",
        "caller_number": "101",
        "called_number": lead["phone"],
        "extension": "101",
    }
    print(
        f"   the PBX's script reports the call back (POST /telephony/webhooks/{pbx.gateway}, HMAC-SHA256): "
        "answered, 95 s, recorded"
    )
    for body in (
        {"event": "ringing", **parties, "started_at": back.isoformat()},
        {
            "event": "answered",
            "pbx_call_id": parties["pbx_call_id"],
            "extension": "101",
            "answered_at": (back + timedelta(seconds=6)).isoformat(),
        },
        {
            "event": "ended",
            **parties,
            "started_at": back.isoformat(),
            "ended_at": (back + timedelta(seconds=101)).isoformat(),
            "duration_seconds": 95,
            "disposition": "answered",
        },
        {
            "event": "recording_available",
            "pbx_call_id": parties["pbx_call_id"],
            "recording_url": f"https://pbx.example/recordings/{run}.mp3",
            "available_at": back.isoformat(),
        },
    ):
        (await pbx.script(body)).raise_for_status()
    await until("the call back took the missed call off anna's list", annas_missed, lambda found: found == [])
    returned = (await http.get(f"{communications}/calls/{call['id']}", headers=auth("anna"))).json()
    print(f"   the missed call is {returned['callback_state']} (Anna's list of missed calls is empty again)")
    report = await until(
        "reporting counted the call back",
        lambda: http.get(
            f"{reporting}/reports/calls", params={"started_from": started.isoformat()}, headers=auth("marta")
        ),
        lambda response: response.status_code == 200 and any(day["called_back"] for day in response.json()),
    )
    day = report.json()[0]
    print(
        f"   calls report ({day['period']}, from {started:%H:%M} UTC): {day['calls']} calls, missed "
        f"{day['missed']} (share {day['missed_share']}), called back {day['called_back']} after "
        f"{day['average_callback_seconds']:.0f} s on average"
    )
