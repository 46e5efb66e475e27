"""The PBX webhook adapter: a PBX that cannot publish to Kafka reports its calls here, by a Zadarma-compatible
webhook or a generic signed JSON one, and each notification becomes the telephony gateway's events on the gateway
topic — through the outbox, so nothing is published before the commit — and comes back in through intake like any
gateway's. Authenticated by the notification's signature (a PBX sends no bearer token); a refusal is logged and
counted in /metrics (``leadline_pbx_webhook_refusals_total``), and nothing of it is published."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.security import APIKeyHeader
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leadline.communications.adapters.pbx_webhooks import (
    NOTIFICATION,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ZADARMA_SIGNED,
    Refused,
    generic_report,
    verify_generic,
    verify_zadarma,
    zadarma_reports,
)
from leadline.communications.adapters.unit_of_work import CommunicationsUnitOfWork
from leadline.communications.entrypoints.deps import UnitOfWork
from leadline.communications.service import lifecycle
from leadline.contracts.platform.http import PROBLEM_JSON, Problem, problem_response
from leadline.contracts.platform.text import unstorable
from leadline.contracts.wire.events.gateway import PbxReport

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class PbxWebhooks:
    """What the webhooks are configured with, and what they count."""

    zadarma_secret: str
    zadarma_time_zone: ZoneInfo
    gateway_secrets: dict[str, list[str]]
    tolerance: timedelta
    notifications: Counter
    refusals: Counter

    @classmethod
    def counted_in(
        cls,
        registry: CollectorRegistry,
        *,
        zadarma_secret: str,
        zadarma_time_zone: ZoneInfo,
        gateway_secrets: dict[str, list[str]],
        tolerance: timedelta,
    ) -> PbxWebhooks:
        notifications = Counter(
            "leadline_pbx_webhook_notifications",
            "Call notifications a PBX webhook took (and published as gateway events), by webhook and event type.",
            ["webhook", "event"],
            registry=registry,
        )
        refusals = Counter(
            "leadline_pbx_webhook_refusals",
            "Notifications a PBX webhook refused (nothing published), by webhook and reason: alert on bad_signature.",
            ["webhook", "reason"],
            registry=registry,
        )
        return cls(zadarma_secret, zadarma_time_zone, gateway_secrets, tolerance, notifications, refusals)


def webhooks_of(request: Request) -> PbxWebhooks:
    configured: PbxWebhooks = request.app.state.pbx_webhooks
    return configured


Webhooks = Annotated[PbxWebhooks, Depends(webhooks_of)]


class Accepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"published": ["leadline.gateway.telephony.call.ringing.v1"]}]}
    )

    published: list[str] = Field(description="The gateway events the notification became (none for a duplicate).")


REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
    for code, description in {
        400: "The body cannot be read (not UTF-8, not JSON)",
        401: "The signature is missing, does not match, or (generic webhook) its timestamp is out of the window",
        415: "The body is not of the media type the webhook takes",
        422: "A notification this webhook does not take, or a field it needs missing or malformed",
    }.items()
}

router = APIRouter(tags=["PBX webhooks"], responses=REFUSALS)

# A PBX signs each notification instead of sending a bearer token (verified in the route, which knows what is signed).
_ZADARMA_SIGNATURE = APIKeyHeader(
    name="Signature",
    scheme_name="ZadarmaSignature",
    description="base64 of the hex HMAC-SHA1, keyed with ZADARMA_API_SECRET, of the fields the notification signs.",
    auto_error=False,
)
_GATEWAY_SIGNATURE = APIKeyHeader(
    name=SIGNATURE_HEADER,
    scheme_name="GatewaySignature",
    description=f"v1=<hex HMAC-SHA256 of '<{TIMESTAMP_HEADER}>.<body>'>, keyed with the gateway's secret.",
    auto_error=False,
)

ZADARMA_FIELDS = (
    "event",
    "pbx_call_id",
    "call_start",
    "caller_id",
    "called_did",
    "destination",
    "internal",
    "duration",
    "disposition",
    "status_code",
    "is_recorded",
    "call_id_with_rec",
)
ZADARMA_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        FORM: {
            "schema": {
                "type": "object",
                "required": ["event"],
                "properties": {
                    "event": {"type": "string", "enum": list(ZADARMA_SIGNED)},
                    **{name: {"type": "string"} for name in ZADARMA_FIELDS if name != "event"},
                },
            },
            "example": {
                "event": "NOTIFY_START",
                "call_start": "2026-11-24 10:12:00",
                "pbx_call_id": "in_8c2a61f0e0c5b4",
                "caller_id": "48601234567",
                "called_did": "48221234567",
            },
        }
    },
}


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` put where they are referred to: an operation's body schema cannot carry
    definitions of its own."""
    definitions = schema.pop("$defs", {})

    def resolved(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolved(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolved(value) for key, value in node.items() if key != "mapping"}
        if isinstance(node, list):
            return [resolved(item) for item in node]
        return node

    inlined: dict[str, Any] = resolved(schema)
    return inlined


@router.get(
    "/telephony/zadarma",
    response_class=PlainTextResponse,
    summary="Zadarma's verification of the notification URL",
    description="Zadarma checks a notification URL before using it by asking it to echo `zd_echo`.",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}, "example": "f7c2a9"}}}},
)
async def zadarma_echo(
    zd_echo: Annotated[str, Query(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.~-]+$")],
) -> PlainTextResponse:
    return PlainTextResponse(zd_echo, headers={"X-Content-Type-Options": "nosniff"})


@router.post(
    "/telephony/zadarma",
    response_model=Accepted,
    summary="Zadarma-compatible call notifications",
    description="Point a Zadarma PBX's call notifications (NOTIFY_START, NOTIFY_INTERNAL, NOTIFY_ANSWER, NOTIFY_END, "
    "NOTIFY_OUT_START, NOTIFY_OUT_END, NOTIFY_RECORD) here. Each is verified by its `Signature` header (base64 of the "
    "hex HMAC-SHA1, with `ZADARMA_API_SECRET`, of the fields that notification signs) and published as telephony "
    "gateway events (`leadline.gateway.telephony.call.*`). Times are read in `ZADARMA_TIME_ZONE`.",
    openapi_extra={"requestBody": ZADARMA_BODY},
)
async def zadarma_notification(
    request: Request,
    uow: UnitOfWork,
    webhooks: Webhooks,
    signature: Annotated[str | None, Security(_ZADARMA_SIGNATURE)],
) -> Accepted:
    with _counted_refusals(webhooks, "zadarma"):
        form = _form(request, await request.body())
        verify_zadarma(form, signature, webhooks.zadarma_secret)
        try:
            reports = zadarma_reports(form, received_at=datetime.now(UTC), time_zone=webhooks.zadarma_time_zone)
        except ValueError as error:
            raise Refused(422, "malformed_notification", str(error)) from None
    return await _published(uow, webhooks, "zadarma", reports)


def _form(request: Request, body: bytes) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise Refused(415, "unsupported_media_type", f"send the notification as {FORM}, not {media_type or 'nothing'}")
    try:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused(400, "malformed_body", f"the body is not a form: {error}") from None
    for name, value in form.items():
        if (reason := unstorable(value)) is not None:
            raise Refused(422, "unstorable_text", f"{name}: {reason}")
    return form


@router.post(
    "/telephony/webhooks/{gateway}",
    response_model=Accepted,
    summary="Signed JSON call notifications of any PBX",
    description="For PBXs that can run a script on call events (Asterisk/FreePBX, 3CX…). The body is one gateway "
    "event's fields with `event` naming which (ringing, answered, ended, recording_available); "
    f"`{TIMESTAMP_HEADER}` is the time of sending in Unix seconds and `{SIGNATURE_HEADER}` is `v1=` and the hex "
    "HMAC-SHA256 of `<timestamp>.<body>` keyed with the gateway's secret (`TELEPHONY_WEBHOOK_SECRETS`, two while one "
    "is rotated). A timestamp further than `TELEPHONY_WEBHOOK_TOLERANCE_SECONDS` from now is refused as a replay. "
    "Published as the same gateway events as a Kafka gateway's.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inlined(NOTIFICATION.json_schema())}},
        }
    },
)
async def generic_notification(
    gateway: Annotated[
        str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="As named in the settings.")
    ],
    request: Request,
    uow: UnitOfWork,
    webhooks: Webhooks,
    signature: Annotated[str | None, Security(_GATEWAY_SIGNATURE)],
    timestamp: Annotated[
        str | None, Header(alias=TIMESTAMP_HEADER, max_length=20, description="When it was signed, Unix seconds.")
    ] = None,
) -> Accepted:
    body = await request.body()
    with _counted_refusals(webhooks, "generic"):
        verify_generic(
            webhooks.gateway_secrets.get(gateway, []),
            timestamp,
            signature,
            body,
            now=datetime.now(UTC),
            tolerance=webhooks.tolerance,
        )
        report = _generic_report(body)
    return await _published(uow, webhooks, "generic", [report])


def _generic_report(body: bytes) -> PbxReport:
    try:
        json.loads(body)
    except ValueError as error:  # UnicodeDecodeError is one
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", getattr(error, "pos", 0)),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": str(error)},
                }
            ]
        ) from None
    try:
        return generic_report(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


@contextlib.contextmanager
def _counted_refusals(webhooks: PbxWebhooks, webhook: str) -> Iterator[None]:
    """Counts and logs what the block refuses, and lets it be answered (``answer_refusals``; a malformed body as
    every problem of validation is)."""
    try:
        yield
    except Refused as refused:
        _count(webhooks, webhook, refused.rule, refused.message)
        raise
    except RequestValidationError as error:
        _count(webhooks, webhook, "malformed_body", "; ".join(str(e["msg"]) for e in error.errors())[:500])
        raise


def _count(webhooks: PbxWebhooks, webhook: str, reason: str, message: str) -> None:
    webhooks.refusals.labels(webhook, reason).inc()
    log.warning("%s PBX webhook refused a notification (%s): %s", webhook, reason, message)


def answer_refusals(app: FastAPI) -> None:
    """Refusals as problems: ``urn:leadline:problem:<rule>`` with the status the refusal chose."""

    async def on_refused(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, Refused)
        headers = {"WWW-Authenticate": 'Signature realm="pbx"'} if error.status == 401 else None
        title = {400: "Malformed body", 401: "Unauthenticated", 415: "Unsupported media type"}.get(
            error.status, "Invalid notification"
        )
        return problem_response(request, error.status, error.rule, title, error.message, headers=headers)

    app.add_exception_handler(Refused, on_refused)


async def _published(
    uow: CommunicationsUnitOfWork, webhooks: PbxWebhooks, webhook: str, reports: Sequence[PbxReport]
) -> Accepted:
    """Written to the outbox and committed before the answer: the relay publishes them, so nothing is published that
    was not taken, and nothing taken is lost."""
    async with uow:
        await lifecycle.relay_reports(uow, reports)
        await uow.commit()
    for report in reports:
        webhooks.notifications.labels(webhook, report.type).inc()
    return Accepted(published=[report.type for report in reports])
