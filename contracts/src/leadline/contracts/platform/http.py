"""HTTP plumbing every service shares: problem details (RFC 9457), bearer auth, health checks."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from starlette.exceptions import HTTPException
from starlette.routing import Match

from leadline.contracts.platform.auth import InvalidToken, Principal, Role
from leadline.contracts.platform.correlation import correlation_id
from leadline.contracts.platform.db import UnitOfWork
from leadline.contracts.platform.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    StaleVersion,
)
from leadline.contracts.platform.openapi import (
    PROBLEM_JSON as PROBLEM_JSON,  # re-exported: entrypoints declare problems
)
from leadline.contracts.platform.problems import FieldError as FieldError  # re-exported: entrypoints answer problems
from leadline.contracts.platform.problems import Problem as Problem
from leadline.contracts.platform.text import unstorable

if TYPE_CHECKING:
    from leadline.contracts.platform.runtime import ServiceRuntime

STATUS_OF: dict[type[DomainError], int] = {
    RuleViolation: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    StaleVersion: 412,
}


def problem_response(
    request: Request,
    status: int,
    rule: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:leadline:problem:{rule}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
        correlation_id=correlation_id(),
    )
    return JSONResponse(
        {**body.model_dump(), **jsonable_encoder(extensions or {})},
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
    for code, description in {
        401: "Missing or invalid bearer token",
        403: "Not permitted for this user",
        404: "Not found",
        409: "Conflicts with the current state",
        422: "Invalid input or a broken rule",
        500: "An unexpected error: logged under the problem's correlation id",
    }.items()
}

# Operations that take If-Match add this.
STALE_RESPONSES: dict[int | str, dict[str, Any]] = {
    412: {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": "If-Match names an older version than the current one: read it again",
    }
}

# Only operations that take a body can get these; the document adds them there
# (see leadline.contracts.platform.openapi).
BODY_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
    for code, description in {
        400: "The body is not JSON (or not UTF-8)",
        413: "The body is larger than the service accepts",
    }.items()
}


class Unauthenticated(Exception):
    pass


def install_problem_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        malformed = next((e for e in error.errors() if e["type"] == "json_invalid"), None)
        if malformed is not None:
            reason = (malformed.get("ctx") or {}).get("error", "not JSON")
            return _malformed_body(request, f"{reason} at position {malformed['loc'][-1]}")
        errors = [
            FieldError(
                field=".".join(str(part) for part in e["loc"][1:]) or str(e["loc"][0]),
                rule=e["type"],
                message=e["msg"],
            )
            for e in error.errors()
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return problem_response(request, 422, "validation", "Invalid request", detail, errors)

    async def on_domain(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError)
        status = next(code for kind, code in STATUS_OF.items() if isinstance(error, kind))
        errors = [FieldError(field=error.field, rule=error.rule, message=error.message)] if error.field else []
        return problem_response(
            request, status, error.rule, type(error).__name__, error.message, errors, extensions=error.extensions
        )

    async def on_unauthenticated(request: Request, error: Exception) -> JSONResponse:
        return problem_response(
            request,
            401,
            "unauthenticated",
            "Unauthenticated",
            str(error),
            headers={"WWW-Authenticate": 'Bearer realm="leadline"'},
        )

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        if error.status_code == 400 and isinstance(error.__cause__, UnicodeDecodeError):
            return _malformed_body(request, f"not UTF-8 ({error.__cause__.reason})")
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # Starlette names only the methods of the first route on the path; every route on it counts.
            headers["Allow"] = ", ".join(sorted(set(_methods_on_path(request))))
        detail = str(error.detail)
        return problem_response(request, error.status_code, "http", detail, detail, headers=headers or None)

    app.add_exception_handler(RequestValidationError, on_validation)
    for kind in STATUS_OF:
        app.add_exception_handler(kind, on_domain)
    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(HTTPException, on_http)


def _malformed_body(request: Request, reason: str) -> JSONResponse:
    """A body that cannot be read at all is a malformed request (400), not a rule broken by its content (422)."""
    return problem_response(
        request,
        400,
        "malformed_body",
        "Malformed body",
        f"the body is not valid JSON: {reason}",
        [FieldError(field="body", rule="malformed_body", message=reason)],
    )


def _methods_on_path(request: Request) -> Iterator[str]:
    matching = [
        route
        for route in iter_route_contexts(request.app.routes)
        if route.methods and route.matches(request.scope)[0] is not Match.NONE
    ]
    # A path written out (POST /calls/dial) is its own resource, documented apart from a template it also fits
    # (GET /calls/{call_id}): only its own methods are allowed on it.
    literal = [route for route in matching if "{" not in (route.path_format or "{")]
    for route in literal or matching:
        yield from route.methods or ()


async def refuse_unstorable_text(request: Request) -> None:
    """Refuses (422, naming the parameter or field) text that no database or JSON encoder can take: NUL, which
    PostgreSQL cannot store, and lone UTF-16 surrogates, which are no characters and cannot be encoded as
    UTF-8. JSON admits both as escapes (a query string only NUL), so they would otherwise reach the
    database and fail there with a 500. One check for every service, before any endpoint runs."""
    found: list[tuple[tuple[str | int, ...], str]] = [
        # A path convertor's value ({call_id:uuid}) is no text any more, and could hold neither.
        (("path", name), value)
        for name, value in request.path_params.items()
        if isinstance(value, str)
    ]
    found += [(("query", name), value) for name, value in request.query_params.multi_items()]
    # Only a body FastAPI reads as JSON is looked into: another (a mail upload) is the endpoint's to stream.
    body = await request.body() if _read_as_json(request) else b""
    if b"\\u" in body:  # both can only come as \u escapes: valid JSON has no raw control characters
        # Not JSON: the endpoint reads it as its content type says (and answers a malformed one).
        with contextlib.suppress(ValueError):
            found += list(_strings(("body",), json.loads(body)))
    errors = [
        {"type": "unstorable_text", "loc": loc, "msg": reason, "input": text}
        for loc, text in found
        if (reason := unstorable(text)) is not None
    ]
    if errors:
        raise RequestValidationError(errors)


def _read_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return not media_type or media_type == "application/json" or media_type.endswith("+json")


def _strings(loc: tuple[str | int, ...], value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*loc, key), key
            yield from _strings((*loc, key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings((*loc, index), item)


def runtime_of(request: Request) -> ServiceRuntime[Any]:
    runtime: ServiceRuntime[Any] = request.app.state.runtime
    return runtime


_bearer = HTTPBearer(auto_error=False, description="A JWT; locally `leadline-token anna` mints one.")


# The dependencies below are coroutines: FastAPI runs a plain function in its thread pool, a hop per
# request and per dependency that cost about a tenth of a lead write.
async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthenticated("an Authorization: Bearer <token> header is required")
    verifier = runtime_of(request).verifier
    try:
        if verifier.may_block:
            return await asyncio.to_thread(verifier.verify, credentials.credentials)
        return verifier.verify(credentials.credentials)
    except InvalidToken as error:
        raise Unauthenticated(f"invalid token: {error}") from error


CurrentUser = Annotated[Principal, Depends(current_user)]


async def require_manager(user: CurrentUser) -> Principal:
    if Role.MANAGER not in user.roles:
        raise Forbidden("only a manager may do this", rule="manager_only")
    return user


Manager = Annotated[Principal, Depends(require_manager)]


def signed_in_router(*, tags: list[str | Enum] | None = None) -> APIRouter:
    """A router whose every endpoint needs a signed-in user and documents the problems any endpoint may answer."""
    return APIRouter(dependencies=[Depends(current_user)], responses=PROBLEM_RESPONSES, tags=tags)


def manager_router(*, tags: list[str | Enum] | None = None) -> APIRouter:
    """A router whose every endpoint only a manager may call, documenting the problems any endpoint may answer."""
    return APIRouter(dependencies=[Depends(require_manager)], responses=PROBLEM_RESPONSES, tags=tags)


async def _company_time_zone(request: Request) -> ZoneInfo:
    """The company's calendar (COMPANY_TIME_ZONE): a document's date, the days and weeks next steps come due in."""
    return runtime_of(request).settings.company_time_zone


CompanyTimeZone = Annotated[ZoneInfo, Depends(_company_time_zone)]


async def unit_of_work(request: Request) -> UnitOfWork:
    """One per request; a GET only reads, so it gets a read-only one that does not queue behind writers."""
    uow: UnitOfWork = runtime_of(request).unit_of_work(read_only=request.method in _SAFE_METHODS)
    return uow


_SAFE_METHODS = frozenset({"GET", "HEAD"})


def json_answer(body: BaseModel, *, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """``body`` as the answer, serialised by pydantic in one pass: what an endpoint returns when it sets its own
    status and headers, without FastAPI validating the model it built once more."""
    return Response(body.model_dump_json(), status_code=status_code, headers=headers, media_type="application/json")


def version_etag(version: int) -> str:
    """The ETag of an optimistically versioned resource: its version, sent back in If-Match to update it."""
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names (None without the header): a stale one is refused with 412."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise RuleViolation(
            "If-Match must be an ETag this API returned", rule="invalid_etag", field="If-Match"
        ) from None


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ok", "checks": {"database": "ok", "broker": "ok", "outbox_relay": "ok"}}]
        }
    )

    status: str = Field(examples=["ok"])
    checks: dict[str, str] = Field(default_factory=dict)


health_router = APIRouter(tags=["health"])


@health_router.get("/health", response_model=Health, summary="The process is alive")
async def health() -> Health:
    return Health(status="ok")


# Served on the management port (MANAGEMENT_PORT), never on the API's: probes and Prometheus reach it,
# callers of the API do not.
management_router = APIRouter(tags=["management"])
management_router.include_router(health_router)


@management_router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics: HTTP latency, events processed and dead-lettered, outbox backlog, consumer lag",
    description="Without a token, on the management port only: counts and timings, no business data.",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition"}},
)
async def metrics(request: Request) -> Response:
    return Response(await runtime_of(request).scrape(), media_type=CONTENT_TYPE_LATEST)


@management_router.get(
    "/ready",
    response_model=Health,
    summary="Database reachable, broker connected",
    responses={503: {"model": Health, "description": "Not ready yet"}},
)
async def ready(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    checks: dict[str, str] = {}
    try:
        async with runtime.read_sessions() as session:
            await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # readiness reports any failure rather than raising it
        checks["database"] = f"failing: {type(error).__name__}"
    checks["broker"] = "ok" if await runtime.broker.ping(timeout=2.0) else "unreachable"
    checks["outbox_relay"] = "ok" if runtime.relay_running else "stopped"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        Health(status="ok" if ok else "unavailable", checks=checks).model_dump(),
        status_code=200 if ok else 503,
    )
