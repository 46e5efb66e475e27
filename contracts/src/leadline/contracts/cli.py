"""The command line of every service: ``python -m leadline.<service> migrate|serve``, ``rebuild`` for a service
whose state is a read model of the topics it consumes, and the commands of a service's other processes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from collections.abc import Callable, Mapping

import uvicorn
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from leadline.contracts.migrations import upgrade
from leadline.contracts.settings import ServiceSettings, read_settings


def service_main(
    package: str,
    settings_class: type[ServiceSettings],
    create_app: Callable[[ServiceSettings], FastAPI],
    *,
    rebuildable: bool = False,
    commands: Mapping[str, tuple[str, Callable[[ServiceSettings], None]]] | None = None,
) -> None:
    """``commands``: the service's other processes, by name: what each does (for --help), and how it runs (after the
    database is migrated)."""
    commands = commands or {}
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    parser.add_argument(
        "command",
        choices=["migrate", "serve", *(["rebuild"] if rebuildable else []), *commands],
        help="migrate: bring the database to the newest schema; serve: migrate, then serve HTTP and consume events"
        + (
            "; rebuild: migrate a fresh database, then replay every consumed topic from its beginning into it"
            if rebuildable
            else ""
        )
        + "".join(f"; {name}: migrate, then {purpose}" for name, (purpose, _) in commands.items()),
    )
    args = parser.parse_args()
    settings = read_settings(settings_class, parser.prog)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    upgrade(package, settings.database_url)
    if args.command == "rebuild":
        asyncio.run(create_app(settings).state.runtime.replay())
    elif args.command == "serve":
        serve(create_app(settings), settings)
    elif args.command in commands:
        commands[args.command][1](settings)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """The API on HTTP_HOST:HTTP_PORT and /health, /ready, /metrics on MANAGEMENT_HOST:MANAGEMENT_PORT: one
    server (one lifespan, one shutdown on a signal) listening on both, each request answered by the app of
    the port it came in on."""
    sockets = [_listening(settings.http_host, settings.http_port)]
    sockets.append(_listening(settings.management_host, settings.management_port))
    both = _ByPort(app, app.state.runtime.management_app(), management_port=sockets[1].getsockname()[1])
    config = uvicorn.Config(both, log_level=settings.log_level.lower(), timeout_graceful_shutdown=15)
    logging.getLogger(__name__).info(
        "API on %s:%s, management (/health, /ready, /metrics) on %s:%s",
        settings.http_host,
        settings.http_port,
        settings.management_host,
        settings.management_port,
    )
    uvicorn.Server(config).run(sockets=sockets)


def _listening(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.set_inheritable(True)
    return sock


class _ByPort:
    def __init__(self, api: ASGIApp, management: ASGIApp, *, management_port: int) -> None:
        self._api = api
        self._management = management
        self._management_port = management_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        on_management = scope["type"] == "http" and server is not None and server[1] == self._management_port
        await (self._management if on_management else self._api)(scope, receive, send)
