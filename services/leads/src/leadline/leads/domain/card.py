"""What a lead's card offers: each action with whether the user may take it now and, if not, why.
Sales apps show or hide buttons from this, never by guessing. Pure rules: no I/O here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from leadline.contracts.platform.auth import Principal
from leadline.contracts.platform.errors import DomainError, RuleViolation
from leadline.leads.domain.lifecycle import lost_status_for
from leadline.leads.domain.model import Lead, ReferenceData, ensure_may_change
from leadline.leads.domain.reference import SettingKey


@dataclass(frozen=True)
class Action:
    allowed: bool
    reason: str | None = None


@dataclass(frozen=True)
class CardActions:
    lost: Action
    create_order: Action
    create_invoice: Action
    write_email: Action


def available_actions(
    lead: Lead, user: Principal, reference: ReferenceData, settings: Mapping[SettingKey, str | None]
) -> CardActions:
    """The same rules the actions themselves enforce, asked without acting. ``settings``: value by key,
    None when unset (documents need the order or invoice type to make one)."""
    return CardActions(
        lost=_action(lambda: ensure_may_change(lead, user), lambda: lost_status_for(lead, reference)),
        create_order=_action(
            lambda: _ensure_parameter_set(settings, SettingKey.ORDER_TYPE, "order type"),
            lambda: ensure_may_change(lead, user),
        ),
        create_invoice=_action(
            lambda: _ensure_parameter_set(settings, SettingKey.INVOICE_TYPE, "invoice type"),
            lambda: ensure_may_change(lead, user),
        ),
        # Communications writes the e-mail, under the same rule (the lead's salesperson or a manager).
        write_email=_action(lambda: ensure_may_change(lead, user), lambda: _ensure_has_email(lead)),
    )


def _action(*checks: Callable[[], object]) -> Action:
    """Allowed when every check passes; otherwise the first refusal is the reason."""
    for check in checks:
        try:
            check()
        except DomainError as refusal:
            return Action(allowed=False, reason=refusal.message)
    return Action(allowed=True)


def _ensure_parameter_set(settings: Mapping[SettingKey, str | None], key: SettingKey, name: str) -> None:
    if not settings.get(key):
        raise RuleViolation(f"the {name} parameter is not set", rule=f"{key}_not_set", field=key)


def _ensure_has_email(lead: Lead) -> None:
    if not lead.email:
        raise RuleViolation("the lead has no e-mail address", rule="no_email", field="email")
