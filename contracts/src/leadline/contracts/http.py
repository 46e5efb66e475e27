"""HTTP plumbing every service shares: problem details (RFC 9457), bearer auth, health checks."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from starlette.exceptions import HTTPException

from leadline.contracts.auth import InvalidToken, Principal, Role
from leadline.contracts.db import UnitOfWork
from leadline.contracts.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    StaleVersion,
)

if TYPE_CHECKING:
    from leadline.contracts.runtime import ServiceRuntime

PROBLEM_JSON = "application/problem+json"
STATUS_OF: dict[type[DomainError], int] = {
    RuleViolation: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    StaleVersion: 412,
}


class FieldError(BaseModel):
    field: str = Field(examples=["email"])
    rule: str = Field(examples=["value_error"])
    message: str = Field(examples=["value is not a valid email address"])


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and per field which rule was broken."""

    type: str = Field(examples=["urn:leadline:problem:validation"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


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
    }.items()
}


class Unauthenticated(Exception):
    pass


def install_problem_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
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
        return problem_response(request, error.status_code, "http", str(error.detail), str(error.detail))

    app.add_exception_handler(RequestValidationError, on_validation)
    for kind in STATUS_OF:
        app.add_exception_handler(kind, on_domain)
    app.add_exception_handler(Unauthenticated, on_unauthenticated)
    app.add_exception_handler(HTTPException, on_http)


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


async def unit_of_work(request: Request) -> UnitOfWork:
    """One per request; a GET only reads, so it gets a read-only one that does not queue behind writers."""
    uow: UnitOfWork = runtime_of(request).unit_of_work(read_only=request.method in _SAFE_METHODS)
    return uow


_SAFE_METHODS = frozenset({"GET", "HEAD"})


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


@health_router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics: HTTP latency, events processed and dead-lettered, outbox backlog, consumer lag",
    description="Served without a token like /health and /ready: counts and timings only, no business data. "
    "Keep it reachable from the monitoring network only.",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition"}},
)
async def metrics(request: Request) -> Response:
    return Response(await runtime_of(request).scrape(), media_type=CONTENT_TYPE_LATEST)


@health_router.get(
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
