"""Leads over HTTP on the real broker: creating one, reading a refusal, the events it published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from leadline.contracts.wire.events import Event
from leadline.contracts.wire.topics import LEAD
from tests.support.kafka import LocalKafka, headers_of, read_until
from tests.support.services import RunningService, auth


async def create(leads: RunningService, user: str = "anna", **fields: Any) -> dict[str, Any]:
    response = await leads.http.post("/leads", json={"name": "Office fit-out", **fields}, headers=auth(user))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def refusal(response: httpx.Response) -> tuple[int, str, str | None]:
    """(status, rule, field) of a problem-details response."""
    problem = response.json()
    field = problem["errors"][0]["field"] if problem["errors"] else None
    return response.status_code, problem["type"].removeprefix("urn:leadline:problem:"), field


async def published(
    kafka: LocalKafka, namespace: str, kind: type[Event], subject: str, done: Callable[[list[Event]], bool] = bool
) -> list[Event]:
    """The events of ``kind`` about ``subject`` on the lead topic, once ``done`` holds for them."""

    def matching(records: list[Any]) -> list[Event]:
        return [
            kind.model_validate_json(r.value or b"")
            for r in records
            if headers_of(r)["ce_type"] == kind.type and headers_of(r)["ce_subject"] == subject
        ]

    records = await read_until(kafka.bootstrap, LEAD, namespace, lambda rs: done(matching(rs)))
    return matching(records)
