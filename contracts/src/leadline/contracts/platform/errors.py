"""Refusals the domain raises. Entrypoints turn them into problem details (HTTP) or dead letters (Kafka).

Each names the ``field`` at fault (when there is one) and the ``rule`` it broke, so a caller
can tell what to change without parsing prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    def __init__(
        self, message: str, *, rule: str, field: str | None = None, extensions: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field
        # Further members of the problem (RFC 9457 extension members): what a caller needs to act on
        # the refusal, e.g. the items that block a delete.
        self.extensions = dict(extensions or {})


class RuleViolation(DomainError):
    """The command breaks a business rule."""


class NotFound(DomainError):
    """What the command refers to does not exist."""


class Conflict(DomainError):
    """The command clashes with the current state."""


class Forbidden(DomainError):
    """The user may not do this."""


class StaleVersion(DomainError):
    """The command was based on an older version than the current one."""
