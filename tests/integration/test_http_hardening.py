"""Requests that used to end in a 500 on a real database (SQLite, and PostgreSQL when configured): nulls where
the database has NOT NULL, date-times without an offset, text no database can store, e-mails in charsets
nobody knows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.integration.emails import registered
from tests.support.services import RunningService, auth

pytestmark = pytest.mark.kafka


def refusal(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def test_fields_every_lead_has_are_not_nullable_and_take_their_default_when_left_out(
    leads: RunningService,
) -> None:
    for field in ("currency", "lead_date", "type_code", "status_code", "name"):
        response = await leads.http.post("/leads", json={"name": "Desks", field: None}, headers=auth("anna"))
        assert refusal(response) == [(field, "string_type" if field != "lead_date" else "datetime_format")]

    created = await leads.http.post("/leads", json={"name": "Desks"}, headers=auth("anna"))
    assert created.status_code == 201, created.text
    assert created.json()["currency"] == "PLN"
    assert created.json()["lead_date"] is not None

    cleared = await leads.http.patch(f"/leads/{created.json()['id']}", json={"currency": None}, headers=auth("anna"))
    assert refusal(cleared) == [("currency", "string_type")]


async def test_a_date_time_without_its_offset_is_refused_naming_the_field(leads: RunningService) -> None:
    naive = await leads.http.post(
        "/leads", json={"name": "Desks", "lead_date": "2026-01-01T10:00:00"}, headers=auth("anna")
    )
    a_number = await leads.http.post("/leads", json={"name": "Desks", "lead_date": 0}, headers=auth("anna"))
    aware = await leads.http.post(
        "/leads", json={"name": "Desks", "lead_date": "2026-01-01T10:00:00+01:00"}, headers=auth("anna")
    )

    assert refusal(naive) == [("lead_date", "timezone_aware")]
    assert refusal(a_number) == [("lead_date", "datetime_format")]
    assert aware.status_code == 201, aware.text
    assert datetime.fromisoformat(aware.json()["lead_date"]) == datetime(2026, 1, 1, 9, tzinfo=UTC)


async def test_a_query_parameter_of_the_wrong_type_is_refused(leads: RunningService) -> None:
    routine = await leads.http.get(
        "/leads/routine/without-expected-close", params={"lead_date_to": "0"}, headers=auth("anna")
    )
    listing = await leads.http.get("/leads", params={"mine": "1", "limit": "2.0"}, headers=auth("anna"))

    assert refusal(routine) == [("lead_date_to", "date_format")]
    assert refusal(listing) == [("mine", "bool_parsing"), ("limit", "int_parsing")]


async def test_employees_with_unusual_unicode_are_refused_only_where_it_cannot_be_stored(
    leads: RunningService,
) -> None:
    manager = {**auth("marta"), "Content-Type": "application/json"}
    nul = await leads.http.post(
        "/employees", content=b'{"id": "ewa\\u0000", "name": "Ewa", "role": "salesperson"}', headers=manager
    )
    surrogate = await leads.http.post(
        "/employees", content=b'{"id": "ewa", "name": "Ewa \\udfff", "role": "salesperson"}', headers=manager
    )
    unusual = await leads.http.post(
        "/employees",
        content=b'{"id": "\\u00e9wa\\u0007", "name": "\\ud83d\\ude00 \\u200b\\u0085 Ewa", "role": "salesperson"}',
        headers=manager,
    )

    assert refusal(nul) == [("id", "unstorable_text")]
    assert refusal(surrogate) == [("name", "unstorable_text")]
    assert unusual.status_code == 201, unusual.text
    read_back = await leads.http.get("/employees/%C3%A9wa%07", headers=auth("marta"))
    assert read_back.json()["name"] == "\U0001f600 \u200b\u0085 Ewa"


async def test_an_uploaded_email_in_an_unknown_charset_is_taken_in_with_replacement_characters(
    communications: RunningService,
) -> None:
    message = (
        b"From: Jan Kowalski <jan@example.com>\r\nTo: anna@leadline.example\r\n"
        b"Subject: =?unknown-8bit?Q?Zam=F3wienie_biurek?=\r\nMessage-ID: <charset@mail.example>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nZam\xf3wienie 4\x000 biurek\r\n"
    )

    response = await communications.http.post(
        "/mail/messages", content=message, headers={**auth("marta"), "Content-Type": "message/rfc822"}
    )

    assert response.status_code == 202, response.text
    email = await registered(communications, "charset@mail.example")
    assert email["subject_line"] == "Zam\ufffdwienie biurek"
    assert (email["text_body"] or "").strip() == "Zam\ufffdwienie 4\ufffd0 biurek"
