"""A correlation id and a W3C trace context for every HTTP request, and the answer to an error nobody foresaw.

The id comes with the request (``X-Correlation-Id``, else the trace id of a W3C ``traceparent``) or is
made here; it is echoed in the ``X-Correlation-Id`` response header and carried by every problem.
An unexpected exception is logged with its traceback and that id, and the caller gets a 500 problem
with the same id, never a stack trace or plain text: support finds the log line from what the caller saw.

The trace context is the caller's ``traceparent`` when it sent a valid one, else a new trace (whose id is the
correlation id when that was made here). Events the request writes carry both (messaging/outbox.py), and so do
the events other services write in handling them: one trace follows a request through every service.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.platform.problems import Problem, send_problem

CORRELATION_HEADER = "X-Correlation-Id"
_current: ContextVar[str | None] = ContextVar("leadline_correlation_id", default=None)
_trace: ContextVar[str | None] = ContextVar("leadline_traceparent", default=None)

# What a caller's id may look like: enough for UUIDs, trace ids and most gateways' request ids, and
# nothing that could forge a log line or a header.
_CALLER_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# version-trace id-parent id-flags; a later version may append fields, which this version does not read.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_NO_TRACE, _NO_PARENT = "0" * 32, "0" * 16
_HEX_TRACE_ID = re.compile(r"[0-9a-f]{32}")

log = logging.getLogger(__name__)


def correlation_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _current.get()


def traceparent() -> str | None:
    """The W3C trace context of the request being served (None outside a request)."""
    return _trace.get()


def _callers_traceparent(by_name: dict[bytes, str]) -> str | None:
    """The caller's ``traceparent`` if W3C's rules make it valid (a trace id and a parent id not all zeros, lower-case
    hex; version ff never, 00 with nothing after the flags); a later version is read as far as 00 goes."""
    given = _TRACEPARENT.fullmatch(by_name.get(b"traceparent", ""))
    if given is None:
        return None
    version, trace_id, parent_id, flags, more = given.groups()
    if version == "ff" or (version == "00" and more) or trace_id == _NO_TRACE or parent_id == _NO_PARENT:
        return None
    return f"00-{trace_id}-{parent_id}-{flags}"  # passed on as the version this service speaks


def _ids_of(headers: list[tuple[bytes, bytes]]) -> tuple[str, str]:
    """The request's correlation id and trace context, from the caller or new."""
    by_name = {name.lower(): value.decode("latin-1").strip() for name, value in headers}
    callers_trace = _callers_traceparent(by_name)
    given = by_name.get(b"x-correlation-id")
    if given and _CALLER_ID.fullmatch(given):
        request_id = given
    elif callers_trace:
        request_id = callers_trace[3:35]
    else:
        request_id = uuid.uuid4().hex
    if callers_trace:
        return request_id, callers_trace
    trace_id = request_id if _HEX_TRACE_ID.fullmatch(request_id) else uuid.uuid4().hex
    return request_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


class Correlation:
    """Outermost ASGI middleware: sets the request's id, echoes it, turns an escaped exception into a 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, trace = _ids_of(scope["headers"])
        token, trace_token = _current.set(request_id), _trace.set(trace)
        started = False

        async def echoed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[CORRELATION_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, echoed)
        except Exception:
            log.exception("unexpected error in %s %s [correlation id %s]", scope["method"], scope["path"], request_id)
            if not started:  # otherwise the answer is half sent: the server closes the connection
                await _internal_error(scope, send, request_id)
        finally:
            _current.reset(token)
            _trace.reset(trace_token)


async def _internal_error(scope: Scope, send: Send, request_id: str) -> None:
    problem = Problem(
        type="urn:leadline:problem:internal_error",
        title="Internal error",
        status=500,
        detail=f"an unexpected error; it is logged under correlation id {request_id}",
        instance=scope.get("path"),
        correlation_id=request_id,
    )
    await send_problem(send, problem, headers=[(CORRELATION_HEADER.lower().encode(), request_id.encode())])
