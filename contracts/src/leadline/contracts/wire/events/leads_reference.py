"""Events of the leads service's configuration: reference data, statuses, lead types and settings
(topic ``leadline.leads.reference``), partners (``leadline.leads.partner``) and the sales team
directory (``leadline.leads.employee``).

Each event carries the whole state of what changed, not a diff, because the topics are compacted:
only the latest record per key is sure to stay, and it alone must tell the current state. Statuses,
lead types, settings and reference items share one topic, so their key names the kind too
(``status:won``, ``priority:won`` and ``setting:order_type`` never overwrite each other).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.topics import EMPLOYEE, PARTNER, REFERENCE


class ConfigurationChange(Event):
    """Who changed the configuration, and when."""

    changed_by: str
    changed_at: datetime


class ReferenceChange(ConfigurationChange):
    """A change on the reference topic, keyed by what changed: ``<kind>:<code>``."""

    def _kind_and_code(self) -> tuple[str, str]:
        raise NotImplementedError

    @computed_field(  # type: ignore[prop-decorator]
        description="The record key: <kind>:<code>, e.g. priority:high, status:won, setting:order_type."
    )
    @property
    def reference_key(self) -> str:
        kind, code = self._kind_and_code()
        return f"{kind}:{code}"


class ReferenceItemChangedV1(
    ReferenceChange,
    type="leadline.leads.reference_item.changed.v1",
    topic=REFERENCE,
    subject="reference_key",
):
    """A priority, tag, lost reason, source, campaign, channel, product, pipeline or stage was created,
    changed, archived or deleted."""

    kind: str = Field(
        description="priority, tag, lost_reason, source, campaign, channel, product, pipeline or stage.",
        examples=["priority"],
    )
    code: str = Field(examples=["high"])
    name: str
    colour: str | None = Field(description="#rrggbb.", examples=["#ff9800"])
    sort_order: int
    parent_code: str | None = Field(description="A stage's pipeline; null for other kinds.")
    archived: bool = Field(description="Kept for the leads that use it, but no longer offered.")
    deleted: bool = Field(default=False, description="Gone: it was used by no lead or deal.")
    probability: int | None = Field(
        default=None, description="Stages only: the chance (percent) that a deal in it is won; null: none given."
    )
    outcome: Literal["won", "lost"] | None = Field(
        default=None, description="Stages only: a closing stage closes the deals it receives as won or lost."
    )

    def _kind_and_code(self) -> tuple[str, str]:
        return self.kind, self.code


class StatusChangedV1(
    ReferenceChange, type="leadline.leads.status.changed.v1", topic=REFERENCE, subject="reference_key"
):
    """A lead status was created, changed or deleted."""

    code: str = Field(examples=["won"])
    name: str
    sort_order: int
    closed: bool = Field(description="Leads in a closed status are closed.")
    lost: bool = Field(description="The one status the lost action moves a lead to.")
    archived: bool = Field(
        default=False, description="Kept for the leads in it (deleted while in use); no lead enters it any more."
    )
    deleted: bool = False

    def _kind_and_code(self) -> tuple[str, str]:
        return "status", self.code


class LeadTypeChangedV1(
    ReferenceChange, type="leadline.leads.lead_type.changed.v1", topic=REFERENCE, subject="reference_key"
):
    """A lead type was created or changed, with the statuses it allows."""

    code: str = Field(examples=["service"])
    name: str
    allowed_statuses: list[str] = Field(description="Status codes; empty: every status is allowed.")

    def _kind_and_code(self) -> tuple[str, str]:
        return "lead_type", self.code


class SettingChangedV1(
    ReferenceChange, type="leadline.leads.setting.changed.v1", topic=REFERENCE, subject="reference_key"
):
    """A setting changed: order_type and invoice_type (document type codes of the documents service),
    default_currency (ISO 4217)."""

    key: str = Field(examples=["order_type"])
    value: str | None = Field(description="Null: unset.", examples=["ZS"])

    def _kind_and_code(self) -> tuple[str, str]:
        return "setting", self.key


class PartnerContact(BaseModel):
    """A contact person of a partner."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    contact_id: UUID
    name: str
    role: str | None = Field(default=None, examples=["Purchasing manager"])
    phones: list[str] = Field(default_factory=list, description="E.164.")
    emails: list[str] = Field(default_factory=list, description="Lower case.")


class PartnerChangedV1(
    ConfigurationChange, type="leadline.leads.partner.changed.v1", topic=PARTNER, subject="partner_id"
):
    """A partner (customer) was created, changed, archived or restored; every field, as it is now."""

    partner_id: UUID
    name: str
    tax_id: str | None
    contact_person: str | None
    phone: str | None = Field(description="E.164.")
    email: str | None
    street: str | None
    city: str | None
    postal_code: str | None
    country: str | None = Field(description="ISO 3166-1 alpha-2.")
    archived: bool
    version: int
    contacts: list[PartnerContact] = Field(
        default_factory=list,
        description="Its contact persons, every one as it is now; calls and e-mails from their phones and addresses "
        "match the partner's open leads.",
    )


class EmployeeChangedV1(
    ConfigurationChange, type="leadline.leads.employee.changed.v1", topic=EMPLOYEE, subject="employee_id"
):
    """Someone joined the sales team directory, changed role or PBX extension, left it or came back."""

    employee_id: str = Field(description="The identity provider's user id.")
    name: str
    role: str = Field(description="salesperson or manager.", examples=["salesperson"])
    extension: str | None = Field(description="PBX extension; unique among active employees.", examples=["101"])
    archived: bool
    email: str | None = Field(
        default=None,
        description="Their work e-mail address, lower case: e-mails sent to it are theirs to triage.",
        examples=["anna@leadline.example"],
    )
