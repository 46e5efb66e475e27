"""The command line of every service: ``python -m leadline.<service> migrate|serve``, and ``rebuild`` for a service
whose state is a read model of the topics it consumes."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from leadline.contracts.migrations import upgrade
from leadline.contracts.settings import ServiceSettings, read_settings


def service_main(
    package: str,
    settings_class: type[ServiceSettings],
    create_app: Callable[[ServiceSettings], FastAPI],
    *,
    rebuildable: bool = False,
) -> None:
    parser = argparse.ArgumentParser(prog=f"python -m {package}")
    parser.add_argument(
        "command",
        choices=["migrate", "serve", *(["rebuild"] if rebuildable else [])],
        help="migrate: bring the database to the newest schema; serve: migrate, then serve HTTP and consume events"
        + (
            "; rebuild: migrate a fresh database, then replay every consumed topic from its beginning into it"
            if rebuildable
            else ""
        ),
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
        uvicorn.run(
            create_app(settings),
            host=settings.http_host,
            port=settings.http_port,
            log_level=settings.log_level.lower(),
            timeout_graceful_shutdown=15,
        )
