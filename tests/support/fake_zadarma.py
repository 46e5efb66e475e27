"""A stand-in for Zadarma's API on a local port, for the click-to-call client: this machine reaches no provider.

It checks each request's signature as the provider documents it (computed here, apart from the client's code) and
answers as the provider does: ``{"status": "success", …}``, or ``{"status": "error", "message": …}``."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.support.kafka import free_port
from tests.support.waiting import eventually


@dataclass
class FakeZadarma:
    key: str
    secret: str
    url: str = ""
    callbacks: list[dict[str, str]] = field(default_factory=list)  # the parameters of each signed callback request
    refuse_with: str | None = None  # answer every request with this error, as the provider does

    def signed(self, method: str, params: dict[str, str], authorization: str) -> bool:
        query = urlencode(sorted(params.items()))
        line = method + query + hashlib.md5(query.encode()).hexdigest()
        expected = base64.b64encode(hmac.new(self.secret.encode(), line.encode(), hashlib.sha1).hexdigest().encode())
        return hmac.compare_digest(f"{self.key}:{expected.decode()}", authorization)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/request/callback/")
        async def callback(request: Request) -> JSONResponse:
            params = dict(request.query_params)
            if not self.signed("/v1/request/callback/", params, request.headers.get("authorization", "")):
                return JSONResponse({"status": "error", "message": "Not authorized"}, status_code=401)
            if self.refuse_with is not None:
                return JSONResponse({"status": "error", "message": self.refuse_with})
            self.callbacks.append(params)
            return JSONResponse({"status": "success", "from": params["from"], "to": params["to"], "time": 1})

        @app.get("/v1/pbx/record/request/")
        async def recording(request: Request) -> JSONResponse:
            params = dict(request.query_params)
            if not self.signed("/v1/pbx/record/request/", params, request.headers.get("authorization", "")):
                return JSONResponse({"status": "error", "message": "Not authorized"}, status_code=401)
            link = f"https://api.zadarma.com/v1/pbx/record/download/{params['call_id']}.mp3"
            return JSONResponse({"status": "success", "link": link, "lifetime_till": "2026-11-24 10:42:00"})

        return app


@contextlib.asynccontextmanager
async def fake_zadarma(key: str, secret: str) -> AsyncIterator[FakeZadarma]:
    fake = FakeZadarma(key, secret)
    port = free_port()
    fake.url = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(fake.app(), host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: _started(server), what="the fake Zadarma API listens")
        yield fake
    finally:
        server.should_exit = True
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started
