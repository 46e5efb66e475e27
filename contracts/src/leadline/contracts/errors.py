"""Refusals the domain raises. Entrypoints turn them into problem details (HTTP) or dead letters (Kafka).

Each names the ``field`` at fault (when there is one) and the ``rule`` it broke, so a caller
can tell what to change without parsing prose.
"""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field


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
