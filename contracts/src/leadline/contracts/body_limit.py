"""Refuses request bodies over a size limit before they are read into memory (413, problem details)."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.correlation import correlation_id, send_problem

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0

        async def counted() -> Message:  # a chunked body has no Content-Length to trust
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem: dict[str, Any] = {
            "type": "urn:leadline:problem:body_too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"the body may be at most {self.max_bytes} bytes",
            "instance": scope.get("path"),
            "errors": [{"field": "body", "rule": "body_too_large", "message": f"at most {self.max_bytes} bytes"}],
            "correlation_id": correlation_id(),
        }
        await send_problem(send, problem)
