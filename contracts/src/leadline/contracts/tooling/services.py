"""The services Leadline is made of, as their installed packages declare them: each names itself in the entry point
group ``leadline.services`` with its app as the documents describe it (``leads = "leadline.leads.app:documented_app"``).
Whatever runs, checks or documents every service takes their names from here, so that none restates the list."""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points

from leadline.contracts.platform.settings import ServiceSettings

SERVICE_ENTRY_POINTS = "leadline.services"


@functools.cache
def service_names() -> tuple[str, ...]:
    """The installed services in the order of their default ports (leads 8001, communications 8002, documents 8003,
    reporting 8004): the order the local stack gives ports in and lists them, stable whatever order the entry points
    are found in."""
    return tuple(sorted((entry.name for entry in entry_points(group=SERVICE_ENTRY_POINTS)), key=_default_http_port))


def _default_http_port(service: str) -> int:
    # Read from the service's settings, not its app: importing a settings class is cheap, building an app is not.
    settings: type[ServiceSettings] = importlib.import_module(f"leadline.{service}.config").Settings
    return settings.default_http_port
