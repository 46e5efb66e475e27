"""One uvicorn server answering a service's API and its management app (/health, /ready, /metrics), each on a
socket of its own: what ``serve`` runs, alone or in each of several workers (leadline.contracts.platform.workers)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadline.contracts.platform import collector
from leadline.contracts.platform.settings import ServiceSettings

GRACEFUL_SHUTDOWN_SECONDS = 15


def configure_logging(settings: ServiceSettings) -> None:
    # With several workers every line says which process wrote it.
    process = " %(processName)s" if settings.web_concurrency > 1 else ""
    logging.basicConfig(level=settings.log_level, format=f"%(asctime)s %(levelname)s{process} %(name)s: %(message)s")


def listening(host: str, port: int) -> socket.socket:
    """A bound socket, inheritable so that worker processes can accept on it too (uvicorn listens on it)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.set_inheritable(True)
    return sock


def run_server(
    app: FastAPI,
    settings: ServiceSettings,
    api: socket.socket,
    management: socket.socket,
    *,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Until SIGTERM or SIGINT: one lifespan, one graceful shutdown, each request answered by the app of the socket
    it came in on. Once the app's startup (broker, consumers, relay) has completed, the collector is settled
    (leadline.contracts.platform.collector) and ``on_started`` called."""
    both = _ByPort(
        app,
        app.state.runtime.management_app(),
        management_port=management.getsockname()[1],
        on_started=on_started,
    )
    config = uvicorn.Config(
        both, log_level=settings.log_level.lower(), timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS
    )
    uvicorn.Server(config).run(sockets=[api, management])


class _ByPort:
    def __init__(
        self,
        api: ASGIApp,
        management: ASGIApp,
        *,
        management_port: int,
        on_started: Callable[[], None] | None,
    ) -> None:
        self._api = api
        self._management = management
        self._management_port = management_port
        self._on_started = on_started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._api(scope, receive, self._after_startup(send))
            return
        server = scope.get("server")
        on_management = scope["type"] == "http" and server is not None and server[1] == self._management_port
        await (self._management if on_management else self._api)(scope, receive, send)

    def _after_startup(self, send: Send) -> Send:
        on_started = self._on_started

        async def reported(message: Message) -> None:
            await send(message)
            if message["type"] == "lifespan.startup.complete":
                collector.settle_after_startup()
                if on_started is not None:
                    on_started()

        return reported
