"""Refuses request bodies over a size limit before they are read into memory (413, problem details).

Every route takes at most ``max_bytes``; a route that needs more (a mail upload) is given its own limit by method
and path template. The route is looked up only once a body is larger than the common limit, so the requests of
every other route pay nothing for it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.platform.correlation import correlation_id
from leadline.contracts.platform.problems import FieldError, Problem, send_problem

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

_PARAMETER = re.compile(r"\{[^}/]+\}")


class BodyTooLarge(Exception):
    pass


def _template(path: str) -> re.Pattern[str]:
    """``/leads/{lead_id}/emails`` as a pattern of the paths it matches."""
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in _PARAMETER.split(path)) + "$")


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        larger: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        """``larger``: the limit of each route that takes more than ``max_bytes``, by (method, path template),
        e.g. ``{("POST", "/mail/messages"): 25 * 2**20}``."""
        self.app = app
        self.max_bytes = max_bytes
        self._larger = [(method.upper(), _template(path), limit) for (method, path), limit in (larger or {}).items()]

    def limit_of(self, method: str, path: str) -> int:
        for route_method, pattern, limit in self._larger:
            if route_method == method and pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            limit = self.limit_of(scope["method"], scope["path"])
            if int(declared) > limit:
                await self._refuse(scope, send, limit)
                return
        received = 0

        async def counted() -> Message:  # a chunked body has no Content-Length to trust
            nonlocal received, limit
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    limit = self.limit_of(scope["method"], scope["path"])
                    if received > limit:
                        raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        problem = Problem(
            type="urn:leadline:problem:body_too_large",
            title="Request body too large",
            status=413,
            detail=f"the body may be at most {limit} bytes",
            instance=scope.get("path"),
            errors=[FieldError(field="body", rule="body_too_large", message=f"at most {limit} bytes")],
            correlation_id=correlation_id(),
        )
        await send_problem(send, problem)
