"""What the deployment files must agree with, read from the repository rather than restated by hand."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from pydantic_settings import BaseSettings

from leadline.contracts.platform.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]


def packages() -> list[str]:
    """The installable packages, as the Makefile's PACKAGES lists them."""
    match = re.search(r"^PACKAGES := (.+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, "PACKAGES not found in the Makefile"
    return match.group(1).split()


def services() -> list[str]:
    return [package.removeprefix("services/") for package in packages() if package.startswith("services/")]


def settings_class(service: str) -> type[ServiceSettings]:
    settings: type[ServiceSettings] = importlib.import_module(f"leadline.{service}.config").Settings
    return settings


def environment_variables(settings: type[BaseSettings]) -> set[str]:
    """The variables a settings class reads (pydantic-settings: the field names, case-insensitively)."""
    return {name.upper() for name in settings.model_fields}
