"""Telephony on the real broker and real databases (SQLite, and PostgreSQL when configured): a PBX's signed
notifications over HTTP become gateway events on Kafka that communications takes in; missed calls belong to the
extension the sales team directory gives and an answered call back clears them; a call attached to the wrong lead is
moved, and the leads service's history says so; click-to-call reaches Zadarma's API (a local stand-in)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadline.communications.adapters.pbx_webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generic_signature,
    zadarma_signature,
    zadarma_signed_string,
)
from leadline.communications.config import LOCAL_PBX_GATEWAY, LOCAL_PBX_SECRET, LOCAL_ZADARMA_SECRET
from leadline.contracts.wire.events import (
    DialRequestedV1,
    EmployeeChangedV1,
    PbxCallEndedV1,
    PbxCallRingingV1,
    PbxRecordingAvailableV1,
)
from leadline.contracts.wire.topics import EMPLOYEE, TELEPHONY_CALL, TELEPHONY_COMMAND
from tests.support.databases import sqlite_url
from tests.support.fake_zadarma import FakeZadarma, fake_zadarma
from tests.support.kafka import GatewayProducer, LocalKafka, consumed, headers_of, read_until
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

CUSTOMER = "+48601234567"


def signed_json(body: dict[str, Any], *, secret: str = LOCAL_PBX_SECRET, at: float | None = None) -> dict[str, Any]:
    """A generic webhook request as a PBX script sends it: the body, its timestamp and signature."""
    content = json.dumps(body).encode()
    timestamp = str(int(at if at is not None else time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: generic_signature(secret, timestamp, content),
    }
    return {"content": content, "headers": headers}


def signed_form(form: dict[str, str]) -> dict[str, Any]:
    """A Zadarma notification: form-encoded, signed over the fields its kind signs."""
    signature = zadarma_signature(LOCAL_ZADARMA_SECRET, zadarma_signed_string(form))
    return {"data": form, "headers": {"Signature": signature}}


def ended(pbx_call_id: str, disposition: str, **changes: Any) -> dict[str, Any]:
    at = datetime.now(UTC)
    return {
        "event": "ended",
        "pbx_call_id": pbx_call_id,
        "direction": "inbound",
        "caller_number": "601 234 567",
        "called_number": "+48221234567",
        "extension": None,
        "started_at": (at - timedelta(minutes=1)).isoformat(),
        "ended_at": at.isoformat(),
        "duration_seconds": 0,
        "disposition": disposition,
        **changes,
    }


async def missed_calls(svc: RunningService, user: str, **params: str) -> list[dict[str, Any]]:
    response = await svc.http.get("/calls/missed", params=params, headers=auth(user))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_signed_notifications_become_a_call_and_bad_ones_are_refused_and_counted(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    pbx_call_id = f"in_{uuid.uuid4().hex[:12]}"
    webhook = f"/telephony/webhooks/{LOCAL_PBX_GATEWAY}"
    echo = await communications.http.get("/telephony/zadarma", params={"zd_echo": "f7c2a9"})
    assert (echo.status_code, echo.text) == (200, "f7c2a9")

    start = {
        "event": "NOTIFY_START",
        "pbx_call_id": pbx_call_id,
        "caller_id": "48601234567",
        "called_did": "48221234567",
        "call_start": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    }
    taken = await communications.http.post("/telephony/zadarma", **signed_form(start))
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"published": [PbxCallRingingV1.type]}
    assert (await communications.http.post(webhook, **signed_json(ended(pbx_call_id, "missed")))).status_code == 200

    refused = {
        "bad_signature": await communications.http.post(
            webhook, **signed_json(ended(pbx_call_id, "busy"), secret="not-the-gateway-secret-at-all")
        ),
        "stale_timestamp": await communications.http.post(
            webhook, **signed_json(ended(pbx_call_id, "busy"), at=time.time() - 3600)
        ),
        "tampered": await communications.http.post(
            "/telephony/zadarma", data={**start, "caller_id": "48609999999"}, headers=signed_form(start)["headers"]
        ),
        "malformed": await communications.http.post(webhook, **signed_json({"event": "ended", "pbx_call_id": "x"})),
    }
    assert {name: (r.status_code, r.json()["type"]) for name, r in refused.items()} == {
        "bad_signature": (401, "urn:leadline:problem:bad_signature"),
        "stale_timestamp": (401, "urn:leadline:problem:stale_timestamp"),
        "tampered": (401, "urn:leadline:problem:bad_signature"),
        "malformed": (422, "urn:leadline:problem:validation"),
    }

    async def missed() -> list[dict[str, Any]]:
        return [c for c in await missed_calls(communications, "piotr") if c["pbx_call_id"] == pbx_call_id]

    [call] = await eventually(missed, what="the missed call reached everyone's list (it rang no extension)")
    assert (call["direction"], call["contact_number"], call["phase"], call["disposition"]) == (
        "inbound",
        CUSTOMER,
        "ended",
        "missed",
    )
    records = await read_until(kafka.bootstrap, TELEPHONY_CALL, namespace, lambda rs: len(rs) >= 2)
    assert sorted(headers_of(r)["ce_type"] for r in records) == sorted([PbxCallRingingV1.type, PbxCallEndedV1.type])
    metrics = (await communications.management.get("/metrics")).text
    for webhook_name, reason in (
        ("generic", "bad_signature"),
        ("generic", "stale_timestamp"),
        ("zadarma", "bad_signature"),
        ("generic", "malformed_body"),
    ):
        assert f'leadline_pbx_webhook_refusals_total{{reason="{reason}",webhook="{webhook_name}"}} 1.0' in metrics
    assert (
        'leadline_pbx_webhook_notifications_total{event="' + PbxCallRingingV1.type + '",webhook="zadarma"} 1.0'
        in metrics
    )


async def test_missed_calls_are_their_extensions_owners_per_the_directory_until_called_back(
    communications: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    now = datetime.now(UTC)
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        # The directory gives extension 101 to piotr, whose token still says 102, and anna another one.
        for employee_id, extension in (("piotr", "101"), ("anna", "103")):
            await producer.publish(
                EmployeeChangedV1(
                    employee_id=employee_id,
                    name=employee_id,
                    role="salesperson",
                    extension=extension,
                    archived=False,
                    changed_by="marta",
                    changed_at=now,
                )
            )
        for pbx_call_id, number in (("in-1", "601234567"), ("in-2", "602000000")):
            await producer.publish(
                PbxCallEndedV1.model_validate(
                    {**ended(pbx_call_id, "no-answer", extension="101"), "caller_number": number}
                )
            )

    async def both_missed() -> list[dict[str, Any]]:
        published, processed = await consumed(kafka.bootstrap, namespace, EMPLOYEE, "communications")
        found = await missed_calls(communications, "piotr")
        return found if len(found) == 2 and published == processed else []

    first, second = await eventually(both_missed, what="piotr's extension's missed calls, oldest first")
    assert [first["pbx_call_id"], second["pbx_call_id"]] == ["in-1", "in-2"]
    assert await missed_calls(communications, "anna") == []
    assert len(await missed_calls(communications, "marta", salesperson="piotr")) == 2
    refused = await communications.http.get("/calls/missed", params={"salesperson": "piotr"}, headers=auth("anna"))
    assert refused.status_code == 403

    dial = await communications.http.post("/calls/dial", json={"number": "601 234 567"}, headers=auth("piotr"))
    assert dial.status_code == 202, dial.text
    assert (dial.json()["extension"], dial.json()["number"]) == ("101", CUSTOMER)
    [command] = await read_until(kafka.bootstrap, TELEPHONY_COMMAND, namespace, lambda rs: len(rs) >= 1)
    assert headers_of(command)["ce_type"] == DialRequestedV1.type
    assert DialRequestedV1.model_validate_json(command.value or b"").dial_id == uuid.UUID(dial.json()["dial_id"])

    async with GatewayProducer(kafka.bootstrap, namespace) as producer:  # the call back the dial made
        await producer.publish(
            PbxCallEndedV1.model_validate(
                ended(
                    "out-1",
                    "answered",
                    direction="outbound",
                    caller_number="101",
                    called_number="601234567",
                    extension="101",
                    started_at=now.isoformat(),
                    duration_seconds=140,
                )
            )
        )

    async def returned() -> list[dict[str, Any]]:
        left = await missed_calls(communications, "piotr")
        return left if [c["pbx_call_id"] for c in left] == ["in-2"] else []

    [still] = await eventually(returned, what="the call back cleared the missed call from its number")
    cleared = (await communications.http.get(f"/calls/{first['id']}", headers=auth("piotr"))).json()
    assert (cleared["callback_state"], cleared["callback_call_id"] is not None) == ("called_back", True)
    done = await communications.http.post(f"/calls/{still['id']}/callback-done", headers=auth("piotr"))
    assert (done.status_code, done.json()["callback_state"], done.json()["callback_by"]) == (
        200,
        "marked_done",
        "piotr",
    )
    again = await communications.http.post(f"/calls/{still['id']}/callback-done", headers=auth("piotr"))
    assert (again.status_code, again.json()["type"]) == (409, "urn:leadline:problem:call_not_waiting_for_callback")
    assert await missed_calls(communications, "piotr") == []


async def test_a_call_attached_to_the_wrong_lead_is_moved_and_both_leads_history_says_so(
    communications: RunningService, leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    async def a_lead(name: str, phone: str | None) -> str:
        created = await leads.http.post("/leads", json={"name": name, "phone": phone}, headers=auth("anna"))
        assert created.status_code == 201, created.text
        lead_id: str = created.json()["id"]
        return lead_id

    wrong, right = await a_lead("Kowalski – old enquiry", "601 234 567"), await a_lead("Kowalski – new office", None)

    async def known() -> bool:
        return await leads_known(communications, wrong)

    await eventually(known, what="communications learnt the lead with the number")
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(
            PbxCallRingingV1(
                pbx_call_id="in-9",
                direction="inbound",
                caller_number="601234567",
                called_number="+48221234567",
                extension="101",
                started_at=datetime.now(UTC),
            )
        )

    async def attached() -> dict[str, Any] | None:
        page = (await communications.http.get("/calls", headers=auth("marta"))).json()["items"]
        return next((c for c in page if c["pbx_call_id"] == "in-9" and c["state"] == "attached"), None)

    call = await eventually(attached, what="the call attached itself by its number")
    assert call["lead_id"] == wrong
    others = await communications.http.post(f"/calls/{call['id']}/detach", headers=auth("piotr"))
    assert (others.status_code, others.json()["type"]) == (403, "urn:leadline:problem:not_your_lead")

    moved = await communications.http.post(f"/calls/{call['id']}/move", json={"lead_id": right}, headers=auth("anna"))
    assert (moved.status_code, moved.json()["lead_id"], moved.json()["decided_by"]) == (200, right, "anna")

    async def histories() -> tuple[list[str], list[str]] | None:
        # The right lead's first: both lines are written in one transaction, so once it shows the move, the wrong
        # lead's history read after it must too (read the other way round, the move could land in between).
        actions = []
        for lead_id in (right, wrong):
            entries = (await leads.http.get(f"/leads/{lead_id}/history", headers=auth("anna"))).json()
            actions.append([entry["action"] for entry in entries])
        return (actions[1], actions[0]) if "call_moved_in" in actions[0] else None

    old, _ = await eventually(histories, what="the leads service recorded the move")
    assert old[-1] == "call_moved_out"
    card = (await leads.http.get(f"/leads/{right}/card", headers=auth("anna"))).json()
    assert [(c["id"], c["call"]["direction"]) for c in card["communications"]] == [(call["id"], "inbound")]

    detached = await communications.http.post(f"/calls/{call['id']}/detach", headers=auth("anna"))
    assert (detached.json()["state"], detached.json()["returned"]["reason"]) == ("triage", "detached")


async def leads_known(communications: RunningService, lead_id: str) -> bool:
    async with communications.runtime.unit_of_work() as uow:
        return await uow.known_leads.get(uuid.UUID(lead_id)) is not None


@pytest.fixture
async def dialing(
    kafka: LocalKafka, namespace: str, tmp_path: Path
) -> AsyncIterator[tuple[RunningService, FakeZadarma]]:
    """Communications dialing through Zadarma's API, here a local stand-in (SQLite only: no database is involved)."""
    async with (
        fake_zadarma("api-key-1", "api-secret-1") as zadarma,
        running_service(
            "communications",
            database_url=sqlite_url(tmp_path, "communications"),
            bootstrap=kafka.bootstrap,
            topic_prefix=namespace,
            zadarma_api_key=zadarma.key,
            zadarma_api_secret=zadarma.secret,
            zadarma_api_url=zadarma.url,
        ) as svc,
    ):
        yield svc, zadarma


async def test_click_to_call_asks_zadarma_for_a_signed_callback_and_goes_on_when_it_refuses(
    dialing: tuple[RunningService, FakeZadarma], kafka: LocalKafka, namespace: str
) -> None:
    """And a recording Zadarma keeps is listened to through the link its API gives."""
    communications, zadarma = dialing

    first = await communications.http.post("/calls/dial", json={"number": "601 234 567"}, headers=auth("anna"))
    assert first.status_code == 202, first.text

    async def placed() -> list[dict[str, str]]:
        return zadarma.callbacks

    [callback] = await eventually(placed, what="Zadarma was asked for the callback")
    assert callback == {"format": "json", "from": "101", "to": "48601234567"}

    zadarma.refuse_with = "Insufficient balance"
    await communications.http.post("/calls/dial", json={"number": "602000000"}, headers=auth("anna"))

    async def refused() -> bool:
        metrics = (await communications.management.get("/metrics")).text
        return 'leadline_dial_requests_total{outcome="failed"} 1.0' in metrics

    await eventually(refused, what="the refused callback was counted")
    zadarma.refuse_with = None
    await communications.http.post("/calls/dial", json={"number": "603000000"}, headers=auth("anna"))

    async def went_on() -> bool:
        return len(zadarma.callbacks) == 2

    await eventually(went_on, what="the dialer went on past the refused request")
    assert [c["to"] for c in zadarma.callbacks] == ["48601234567", "48603000000"]
    metrics = (await communications.management.get("/metrics")).text
    assert 'leadline_dial_requests_total{outcome="placed"} 2.0' in metrics

    async with GatewayProducer(kafka.bootstrap, namespace) as pbx:
        await pbx.publish(PbxCallEndedV1.model_validate(ended("in-rec", "answered", extension="101")))
        await pbx.publish(
            PbxRecordingAvailableV1(pbx_call_id="in-rec", recording_id="rec-42", available_at=datetime.now(UTC))
        )

    async def recorded() -> dict[str, Any] | None:
        page = (await communications.http.get("/calls", headers=auth("anna"))).json()["items"]
        return next((c for c in page if c["pbx_call_id"] == "in-rec" and c["recording_id"]), None)

    call = await eventually(recorded, what="the call's recording was reported")
    listen = await communications.http.get(f"/calls/{call['id']}/recording", headers=auth("anna"))
    assert (listen.status_code, listen.headers["location"]) == (
        307,
        "https://api.zadarma.com/v1/pbx/record/download/rec-42.mp3",
    )
