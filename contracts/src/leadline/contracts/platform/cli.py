"""The command line of every service: ``python -m leadline.<service> migrate|serve``, ``rebuild`` for a service
whose state is a read model of the topics it consumes, and the commands of a service's other processes."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Mapping

from fastapi import FastAPI

from leadline.contracts.platform.migrations import upgrade
from leadline.contracts.platform.serving import configure_logging, listening, run_server
from leadline.contracts.platform.settings import ServiceSettings, read_settings
from leadline.contracts.platform.workers import serve_workers


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
    configure_logging(settings)
    upgrade(package, settings.database_url)
    if args.command == "rebuild":
        asyncio.run(create_app(settings).state.runtime.replay())
    elif args.command == "serve" and settings.web_concurrency > 1:
        sys.exit(serve_workers(settings, create_app))
    elif args.command == "serve":
        serve(create_app(settings), settings)
    elif args.command in commands:
        commands[args.command][1](settings)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """The API on HTTP_HOST:HTTP_PORT and /health, /ready, /metrics on MANAGEMENT_HOST:MANAGEMENT_PORT: one
    server (one lifespan, one shutdown on a signal) listening on both."""
    api = listening(settings.http_host, settings.http_port)
    management = listening(settings.management_host, settings.management_port)
    logging.getLogger(__name__).info(
        "API on %s:%s, management (/health, /ready, /metrics) on %s:%s",
        settings.http_host,
        settings.http_port,
        settings.management_host,
        settings.management_port,
    )
    run_server(app, settings, api, management)
