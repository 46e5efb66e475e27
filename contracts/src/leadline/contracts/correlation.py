"""A correlation id for every HTTP request, and the answer to an error nobody foresaw.

The id comes with the request (``X-Correlation-Id``, else the trace id of a W3C ``traceparent``) or is
made here; it is echoed in the ``X-Correlation-Id`` response header and carried by every problem.
An unexpected exception is logged with its traceback and that id, and the caller gets a 500 problem
with the same id, never a stack trace or plain text: support finds the log line from what the caller saw.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.problems import Problem, send_problem

CORRELATION_HEADER = "X-Correlation-Id"
_current: ContextVar[str | None] = ContextVar("leadline_correlation_id", default=None)

# What a caller's id may look like: enough for UUIDs, trace ids and most gateways' request ids, and
# nothing that could forge a log line or a header.
_CALLER_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")

log = logging.getLogger(__name__)


def correlation_id() -> str | None:
    """The id of the request being served (None outside a request)."""
    return _current.get()


def _from_caller(headers: list[tuple[bytes, bytes]]) -> str | None:
    by_name = {name.lower(): value.decode("latin-1").strip() for name, value in headers}
    given = by_name.get(b"x-correlation-id")
    if given and _CALLER_ID.fullmatch(given):
        return given
    trace = _TRACEPARENT.fullmatch(by_name.get(b"traceparent", ""))
    if trace and trace.group(1) != "0" * 32:
        return trace.group(1)
    return None


class Correlation:
    """Outermost ASGI middleware: sets the request's id, echoes it, turns an escaped exception into a 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _from_caller(scope["headers"]) or uuid.uuid4().hex
        token = _current.set(request_id)
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
