"""Whose PBX extension is whose, as the sales team directory says. Pure rules: no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, replace

from leadline.contracts.platform.auth import Principal


@dataclass(frozen=True)
class Employee:
    """An employee as the leads service's directory publishes them (employee.changed.v1)."""

    employee_id: str
    extension: str | None
    archived: bool


def as_in_directory(user: Principal, employee: Employee | None) -> Principal:
    """The user with the extension the directory gives them: the directory decides whose calls are whose, and a
    token (issued before an extension changed hands, or by an identity provider that does not know extensions)
    does not override it. Someone the directory does not know keeps their token's ``ext`` claim; someone who left
    the team keeps no extension."""
    if employee is None:
        return user
    return replace(user, extension=None if employee.archived else employee.extension)
