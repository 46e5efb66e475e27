"""The HTTP plumbing every service shares, on an app of a test service: unexpected errors, correlation ids,
405s, malformed bodies, unstorable text and the strict request types. No broker or database is reached."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from leadline.contracts.platform.correlation import correlation_id, traceparent
from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.fields import IN_DIGITS, Day, OffsetDatetime, QueryBool, not_null
from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.platform.settings import ServiceSettings


class _Settings(ServiceSettings):
    service: ClassVar[str] = "probe"
    default_http_port: ClassVar[int] = 8999


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    closed: StrictBool = False
    count: StrictInt = 0
    on: Day | None = None
    at: OffsetDatetime | None = None
    currency: str = not_null(pattern="^[A-Z]{3}$")
    tags: list[str] = []


router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug nobody foresaw")


@router.get("/context")
async def request_context() -> dict[str, str | None]:
    return {"correlation_id": correlation_id(), "traceparent": traceparent()}


@router.post("/things/recount")  # before the template it also fits, as services declare such routes
async def recount_things() -> None:
    return None


@router.get("/things/by-id/{thing_id:uuid}")  # a path convertor: the parameter arrives as a UUID, not text
async def get_thing_by_id(thing_id: uuid.UUID) -> dict[str, str]:
    return {"id": str(thing_id)}


@router.get("/things/{name}")
async def get_thing(
    name: str,
    on: Annotated[Day | None, Query()] = None,
    at: Annotated[OffsetDatetime | None, Query()] = None,
    archived: Annotated[QueryBool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=10), IN_DIGITS] = 5,
) -> dict[str, Any]:
    return {"name": name, "on": on, "at": at, "archived": archived, "limit": limit}


@router.delete("/things/{name}", status_code=204)
async def delete_thing(name: str) -> None:
    return None


@router.post("/things")
async def create_thing(thing: Thing) -> dict[str, Any]:
    return thing.model_dump(exclude_unset=True)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = _Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/probe.db")
    runtime = ServiceRuntime(settings, UnitOfWork, publishes=[])
    app = runtime.http_app(title="probe", description="probe", version="0", routers=[router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as http:
        yield http
    await runtime.engine.dispose()


async def test_an_unexpected_error_is_a_problem_with_the_correlation_id_that_is_logged(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    correlation_id = response.headers["X-Correlation-Id"]
    assert problem["correlation_id"] == correlation_id
    assert problem["type"] == "urn:leadline:problem:internal_error"
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    logged = [r for r in caplog.records if correlation_id in r.getMessage()]
    assert logged, "the error is logged under the id the caller saw"
    assert logged[0].exc_info is not None
    assert "a bug nobody foresaw" in str(logged[0].exc_info[1])


async def test_a_correlation_id_the_caller_sends_is_kept_and_echoed(client: httpx.AsyncClient) -> None:
    given = await client.get("/things/a", headers={"X-Correlation-Id": "req-42"})
    traced = await client.get(
        "/things/a", headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    )
    forged = await client.get("/things/a", headers={"X-Correlation-Id": "bad id\r\nwith breaks"})

    assert given.headers["X-Correlation-Id"] == "req-42"
    assert traced.headers["X-Correlation-Id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert forged.headers["X-Correlation-Id"] != "bad id\r\nwith breaks"
    assert len(forged.headers["X-Correlation-Id"]) == 32  # one of ours instead


CALLERS_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


async def test_a_callers_trace_context_is_the_requests(client: httpx.AsyncClient) -> None:
    traced = (await client.get("/context", headers={"traceparent": CALLERS_TRACE})).json()
    later_version = (await client.get("/context", headers={"traceparent": "01" + CALLERS_TRACE[2:] + "-more"})).json()

    assert traced == {"correlation_id": "4bf92f3577b34da6a3ce929d0e0e4736", "traceparent": CALLERS_TRACE}
    assert later_version["traceparent"] == CALLERS_TRACE  # read as far as the version this service speaks


async def test_without_a_valid_trace_context_a_request_starts_a_trace_of_its_correlation_id(
    client: httpx.AsyncClient,
) -> None:
    invalid = [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # no trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # no parent
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",  # upper case
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # the forbidden version
        CALLERS_TRACE + "-more",  # version 00 has nothing after the flags
        "",
    ]
    for sent in invalid:
        context = (await client.get("/context", headers={"traceparent": sent})).json()
        version, trace_id, parent_id, flags = context["traceparent"].split("-")
        assert (version, trace_id, flags) == ("00", context["correlation_id"], "01"), sent
        assert len(parent_id) == 16, sent
        assert int(parent_id, 16) != 0, sent


async def test_a_correlation_id_that_cannot_be_a_trace_id_gets_a_trace_of_its_own(client: httpx.AsyncClient) -> None:
    named = (await client.get("/context", headers={"X-Correlation-Id": "req-44"})).json()
    both = (await client.get("/context", headers={"X-Correlation-Id": "req-45", "traceparent": CALLERS_TRACE})).json()

    assert named["correlation_id"] == "req-44"
    assert len(named["traceparent"].split("-")[1]) == 32
    assert both == {"correlation_id": "req-45", "traceparent": CALLERS_TRACE}


async def test_a_refusal_carries_the_correlation_id_too(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={}, headers={"X-Correlation-Id": "req-43"})

    assert response.status_code == 422
    assert response.json()["correlation_id"] == "req-43"


async def test_a_method_the_path_does_not_take_is_405_with_every_method_it_does(client: httpx.AsyncClient) -> None:
    response = await client.put("/things/a")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Allow"] == "DELETE, GET"


async def test_a_path_parameter_a_convertor_typed_is_served_and_other_text_is_no_such_path(
    client: httpx.AsyncClient,
) -> None:
    thing_id = uuid.uuid4()

    found = await client.get(f"/things/by-id/{thing_id}")
    not_an_id = await client.get("/things/by-id/recount")

    assert (found.status_code, found.json()) == (200, {"id": str(thing_id)})
    assert not_an_id.status_code == 404


async def test_a_path_written_out_allows_only_its_own_methods_not_those_of_a_template_it_fits(
    client: httpx.AsyncClient,
) -> None:
    response = await client.put("/things/recount")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b'{"name": ', "Expecting value"), (b'{"name": "\xff\xfe"}', "not UTF-8")],
    ids=["json", "utf8"],
)
async def test_a_body_that_is_not_json_is_400_malformed_body(
    client: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    response = await client.post("/things", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:leadline:problem:malformed_body"
    assert problem["errors"][0]["field"] == "body"
    assert reason in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"name": "a\\u0000b", "currency": "PLN"}', "name"),
        (b'{"name": "x\\ud800", "currency": "PLN"}', "name"),
        (b'{"name": "ok", "currency": "PLN", "tags": ["fine", "lone \\udc00"]}', "tags.1"),
    ],
    ids=["nul", "lone-high-surrogate", "nested"],
)
async def test_text_no_database_can_store_is_refused_naming_the_field(
    client: httpx.AsyncClient, body: bytes, field: str
) -> None:
    response = await client.post("/things", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": field, "rule": "unstorable_text", "message": response.json()["errors"][0]["message"]}
    ]


async def test_nul_in_a_query_parameter_or_the_path_is_refused(client: httpx.AsyncClient) -> None:
    in_query = await client.get("/things/a", params={"on": "\x00"})
    in_path = await client.get("/things/a%00b")

    assert in_query.status_code == 422
    assert in_query.json()["errors"][0]["field"] == "on"
    assert in_path.status_code == 422
    assert in_path.json()["errors"][0]["field"] == "name"


async def test_surrogate_pairs_and_control_characters_that_can_be_stored_pass(client: httpx.AsyncClient) -> None:
    body = b'{"name": "emoji \\ud83d\\ude00 and a bell \\u0007", "currency": "PLN"}'
    response = await client.post("/things", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 200, response.text
    assert response.json()["name"] == "emoji \U0001f600 and a bell \x07"


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"on": "0"}, "on", "date_format"),
        ({"on": "2026-1-2"}, "on", "date_format"),
        ({"at": "0"}, "at", "datetime_format"),
        ({"at": "2026-01-01T10:00:00"}, "at", "timezone_aware"),
        ({"archived": "1"}, "archived", "bool_parsing"),
        ({"archived": "yes"}, "archived", "bool_parsing"),
        ({"limit": "2.0"}, "limit", "int_parsing"),
        ({"limit": " 2"}, "limit", "int_parsing"),
    ],
)
async def test_query_parameters_of_the_wrong_type_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], field: str, rule: str
) -> None:
    response = await client.get("/things/a", params=params)

    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]


async def test_query_parameters_written_as_documented_are_read(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/things/a", params={"on": "2026-03-02", "at": "2026-03-02T09:30:00+01:00", "archived": "true", "limit": "7"}
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "name": "a",
        "on": "2026-03-02",
        "at": "2026-03-02T09:30:00+01:00",
        "archived": True,
        "limit": 7,
    }


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"closed": 1}, "closed", "bool_type"),
        ({"closed": "true"}, "closed", "bool_type"),
        ({"count": "3"}, "count", "int_type"),
        ({"count": True}, "count", "int_type"),
        ({"on": 0}, "on", "date_format"),
        ({"at": "2026-01-01T10:00:00"}, "at", "timezone_aware"),
        ({"at": 1767261600}, "at", "datetime_format"),
        ({"currency": None}, "currency", "string_type"),
    ],
)
async def test_body_fields_of_the_wrong_type_or_null_where_not_nullable_are_refused(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str, rule: str
) -> None:
    response = await client.post("/things", json={"name": "a", "currency": "PLN", **fields})

    assert response.status_code == 422, response.text
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]


async def test_a_not_null_field_left_out_stays_unset(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "a", "on": date(2026, 3, 2).isoformat()})

    assert response.status_code == 200, response.text
    assert response.json() == {"name": "a", "on": "2026-03-02"}


async def test_the_document_declares_the_answers_operations_can_give(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    create = document["paths"]["/things"]["post"]["responses"]
    read = document["paths"]["/things/{name}"]["get"]["responses"]
    currency = document["components"]["schemas"]["Thing"]["properties"]["currency"]

    assert {"400", "413"} <= create.keys()
    assert not {"400", "413"} & read.keys()
    limit = next(p for p in document["paths"]["/things/{name}"]["get"]["parameters"] if p["name"] == "limit")
    assert currency == {"type": "string", "pattern": "^[A-Z]{3}$", "title": "Currency"}
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 10)
