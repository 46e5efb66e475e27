"""A missed call and its call back, from outside: a PBX reporting through the webhooks (signed HTTP), a sales app
over HTTP, a telephony gateway reading its command topic with a plain Kafka client. The services run as processes
(see conftest)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

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
from tests.support.kafka import read_until
from tests.support.services import auth
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

WARSAW = ZoneInfo("Europe/Warsaw")  # the zone Zadarma's times are read in by default (COMPANY_TIME_ZONE)


async def pbx_json(client: httpx.AsyncClient, communications: str, body: dict[str, Any]) -> None:
    """A PBX script's signed notification (the generic webhook)."""
    content, timestamp = json.dumps(body).encode(), str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: generic_signature(LOCAL_PBX_SECRET, timestamp, content),
    }
    response = await client.post(
        f"{communications}/telephony/webhooks/{LOCAL_PBX_GATEWAY}", content=content, headers=headers
    )
    assert response.status_code == 200, response.text


async def zadarma(client: httpx.AsyncClient, communications: str, form: dict[str, str]) -> None:
    """A Zadarma PBX's notification."""
    headers = {"Signature": zadarma_signature(LOCAL_ZADARMA_SECRET, zadarma_signed_string(form))}
    response = await client.post(f"{communications}/telephony/zadarma", data=form, headers=headers)
    assert response.status_code == 200, response.text


async def test_a_missed_call_waits_for_its_salesperson_until_a_click_to_call_returns_it(stack: Stack) -> None:
    leads, communications, reporting = stack.url("leads"), stack.url("communications"), stack.url("reporting")
    digits = f"60{uuid.uuid4().int % 10**7:07d}"
    async with httpx.AsyncClient() as app:
        created = await app.post(
            f"{leads}/leads", json={"name": "Fleet leasing", "phone": digits}, headers=auth("anna")
        )
        assert created.status_code == 201, created.text
        lead = created.json()

        # The customer calls; it rings anna's extension, nobody answers.
        started = datetime.now(UTC).replace(microsecond=0)
        missed_id = f"ast-{uuid.uuid4().hex[:10]}"
        parties = {
            "pbx_call_id": missed_id,
            "direction": "inbound",
            "caller_number": digits,
            "called_number": "+48717000000",
            "extension": "101",
        }
        await pbx_json(app, communications, {"event": "ringing", **parties, "started_at": started.isoformat()})
        await pbx_json(
            app,
            communications,
            {
                "event": "ended",
                **parties,
                "started_at": started.isoformat(),
                "ended_at": (started + timedelta(seconds=25)).isoformat(),
                "duration_seconds": 0,
                "disposition": "no-answer",
            },
        )

        async def annas_missed() -> list[dict[str, Any]]:
            page = await app.get(f"{communications}/calls/missed", headers=auth("anna"))
            return [c for c in page.json()["items"] if c["pbx_call_id"] == missed_id]

        [missed] = await eventually(annas_missed, what="the missed call on anna's list, with its lead")
        assert (missed["lead_id"], missed["disposition"], missed["callback_state"]) == (
            lead["id"],
            "no-answer",
            "waiting",
        )

        dialled = await app.post(f"{communications}/calls/dial", json={"lead_id": lead["id"]}, headers=auth("anna"))
        assert dialled.status_code == 202, dialled.text

    def dial_requested(records: list[Any]) -> bool:
        return any(
            DialRequestedV1.model_validate_json(r.value).dial_id == uuid.UUID(dialled.json()["dial_id"])
            for r in records
        )

    commands = await read_until(stack.bootstrap, TELEPHONY_COMMAND, stack.prefix, dial_requested)
    request = next(
        DialRequestedV1.model_validate_json(r.value)
        for r in commands
        if DialRequestedV1.model_validate_json(r.value).dial_id == uuid.UUID(dialled.json()["dial_id"])
    )
    assert (request.extension, request.number, request.lead_id) == ("101", f"+48{digits}", uuid.UUID(lead["id"]))

    # The gateway places it; the (Zadarma) PBX reports the call back, which the customer answers.
    call_start = (started + timedelta(minutes=5)).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
    out = {
        "pbx_call_id": f"out_{uuid.uuid4().hex[:10]}",
        "internal": "101",
        "destination": f"48{digits}",
        "call_start": call_start,
    }
    async with httpx.AsyncClient() as app:
        await zadarma(app, communications, {"event": "NOTIFY_OUT_START", **out})
        await zadarma(
            app,
            communications,
            {
                "event": "NOTIFY_OUT_END",
                **out,
                "duration": "140",
                "disposition": "answered",
                "is_recorded": "1",
                "call_id_with_rec": "r-1",
            },
        )

        async def returned() -> bool:
            return await annas_missed() == []

        await eventually(returned, what="the answered call back took the missed call off the list")

        async def both_on_the_card() -> list[dict[str, Any]] | None:
            card = (await app.get(f"{leads}/leads/{lead['id']}/card", headers=auth("anna"))).json()
            calls = [c["call"] for c in card["communications"] if c["kind"] == "call"]
            ended = len(calls) == 2 and all(c is not None and c["phase"] == "ended" for c in calls)
            return calls if ended and any(c["recording_id"] for c in calls) else None

        calls = await eventually(both_on_the_card, what="the lead card shows both calls as they ended")
        assert sorted((c["direction"], c["disposition"], c["duration_seconds"], c["recording_id"]) for c in calls) == [
            ("inbound", "no-answer", 0, None),
            ("outbound", "answered", 140, "r-1"),
        ]

        async def reported() -> dict[str, Any] | None:
            page = await app.get(
                f"{reporting}/reports/calls", params={"started_from": started.isoformat()}, headers=auth("marta")
            )
            days = page.json()
            return days[0] if days and days[0]["called_back"] == 1 else None

        day = await eventually(reported, what="reporting counted the missed call and its call back")
        assert (day["missed"], day["awaiting_callback"], day["average_callback_seconds"]) == (1, 0, 300.0)
