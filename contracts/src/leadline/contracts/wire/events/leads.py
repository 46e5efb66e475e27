"""Events of the leads context (topic ``leadline.leads.lead``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from leadline.contracts.wire.events.base import Event
from leadline.contracts.wire.topics import LEAD


class LeadOrigin(BaseModel):
    """What a lead was created from, so the originating service can link it back. Only calls: this is what
    ``origin`` has always admitted (a consumer written against it would refuse another kind); ``created_from``
    names every kind."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["call"]
    id: UUID


class LeadCreatedFrom(BaseModel):
    """The call or e-mail in communications a lead was created from."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["call", "email"]
    id: UUID = Field(description="The call's or e-mail's id in communications.")


class LeadCreatedV1(Event, type="leadline.leads.lead.created.v1", topic=LEAD, subject="lead_id"):
    """A lead was created."""

    lead_id: UUID
    name: str
    type_code: str
    status_code: str
    closed: bool = Field(description="Whether the status is a closed one.")
    salesperson_id: str | None
    phone: str | None = Field(description="E.164, as calls are matched on it.")
    email: str | None
    created_by: str
    created_at: datetime
    origin: LeadOrigin | None = Field(default=None, description="Set for a lead made from a call (see created_from).")
    created_from: LeadCreatedFrom | None = Field(
        default=None, description="The call or e-mail the lead was made from; unset for a lead entered by hand."
    )
    partner_id: UUID | None = None
    product_code: str | None = None
    priority_code: str | None = None
    source_code: str | None = None
    campaign_code: str | None = None
    channel_code: str | None = None
    tags: list[str] = Field(default_factory=list)
    expected_revenue: Decimal | None = Field(default=None, description="In `currency`; a decimal string.")
    currency: str | None = None
    probability: int | None = Field(default=None, description="Percent, 0-100.")
    expected_close: date | None = None
    lead_date: datetime | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    next_step: str | None = Field(default=None, description="What is to be done next.")
    next_step_at: datetime | None = Field(default=None, description="When the next step comes due.")
    contact_id: UUID | None = Field(default=None, description="The contact person of the lead's partner it names.")


class LeadStatusChangedV1(Event, type="leadline.leads.lead.status_changed.v1", topic=LEAD, subject="lead_id"):
    """A lead moved from one status to another."""

    lead_id: UUID
    from_status_code: str
    to_status_code: str
    closed: bool = Field(description="Whether the new status is a closed one.")
    changed_by: str
    changed_at: datetime


class LeadFieldChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    field: str
    old: Any = Field(description="The value before, as JSON (decimals and dates as strings).")
    new: Any


class LeadUpdatedV1(Event, type="leadline.leads.lead.updated.v1", topic=LEAD, subject="lead_id"):
    """Fields of a lead changed; only the changed ones are listed, with their old and new values. Among them
    ``extra_contacts``: the other phones and e-mail addresses the lead is known by, gained when leads were merged
    into it, as a list of ``{kind: phone|email, value, from_lead_id}`` (the whole list, old and new)."""

    lead_id: UUID
    changes: list[LeadFieldChange]
    version: int
    updated_by: str
    updated_at: datetime


class LeadLostV1(Event, type="leadline.leads.lead.lost.v1", topic=LEAD, subject="lead_id"):
    """A lead was marked lost with a reason. Its move to the lost status is announced as well, by a
    LeadStatusChangedV1, so consumers that only count statuses need not know this event."""

    lead_id: UUID
    lost_reason_code: str
    status_code: str = Field(description="The lost status the lead moved to.")
    lost_by: str
    lost_at: datetime


class LeadAssignedV1(Event, type="leadline.leads.lead.assigned.v1", topic=LEAD, subject="lead_id"):
    """A lead's salesperson changed (null: the lead has none)."""

    lead_id: UUID
    from_salesperson_id: str | None
    to_salesperson_id: str | None
    assigned_by: str
    assigned_at: datetime


class LeadMergedV1(Event, type="leadline.leads.lead.merged.v1", topic=LEAD, subject="merged_id"):
    """A manager merged one lead into another. The merged lead no longer exists; its calls, e-mails,
    documents, deals, tags and history belong to the survivor now, and its phone and e-mail address are the
    survivor's extra contacts (the survivor's LeadUpdatedV1, keyed by the survivor, lists them). Keyed by the
    merged lead, so the merge comes after that lead's earlier events for every consumer."""

    survivor_id: UUID
    merged_id: UUID
    merged_by: str
    merged_at: datetime


class LeadDeletedV1(Event, type="leadline.leads.lead.deleted.v1", topic=LEAD, subject="lead_id"):
    """A lead created by mistake was deleted (only a lead nothing was linked to can be)."""

    lead_id: UUID
    deleted_by: str
    deleted_at: datetime


class LeadRequestRefusedV1(Event, type="leadline.leads.lead.request_refused.v1", topic=LEAD, subject="lead_id"):
    """A lead asked for from a call or an e-mail (CallLeadRequestedV1, EmailLeadRequestedV1) was not created: the
    request broke a rule. Keyed by the lead id the request chose, so it comes in order with that lead's events
    (a request retried with the same id may create it later)."""

    lead_id: UUID = Field(description="The id the request chose for the lead.")
    item_kind: Literal["call", "email"] = Field(description="What the lead was asked for from.")
    item_id: UUID = Field(description="The call's or e-mail's id in communications.")
    rule: str = Field(description="The rule the request broke.", examples=["no_open_status"])
    reason: str = Field(examples=["lead type 'Sale' allows no open status"])
    refused_at: datetime


class LeadDealChangedV1(Event, type="leadline.leads.lead.deal_changed.v1", topic=LEAD, subject="lead_id"):
    """A deal of a lead was added, changed or removed; carries the deal as it is now (as it was, when
    removed). Keyed by the lead, so a lead's deals change in order with the lead itself."""

    lead_id: UUID
    deal_id: UUID
    change: Literal["added", "changed", "removed"]
    name: str
    pipeline_code: str
    stage_code: str = Field(description="A stage of the pipeline.")
    value: Decimal = Field(description="In `currency`; a decimal string.")
    currency: str
    changed_by: str
    changed_at: datetime


DealOutcome = Literal["won", "lost"]


class DealStageChangedV1(Event, type="leadline.leads.deal.stage_changed.v1", topic=LEAD, subject="lead_id"):
    """A deal moved from one stage of its pipeline to another (on the pipeline board, or by an edit). Keyed by the
    deal's lead, like ``lead.deal_changed.v1``, which is published beside it with the deal's whole state."""

    lead_id: UUID
    deal_id: UUID
    pipeline_code: str
    from_stage_code: str
    to_stage_code: str
    outcome: DealOutcome | None = Field(
        description="The deal's outcome after the move: won or lost when the stage closes deals so, null when it is "
        "open (a move out of a closing stage reopens the deal)."
    )
    changed_by: str
    changed_at: datetime


class DealClosed(Event):
    """What a deal's won and lost events share: the deal as it closed."""

    lead_id: UUID
    deal_id: UUID
    name: str
    pipeline_code: str
    stage_code: str = Field(description="The closing stage it moved to.")
    value: Decimal = Field(description="In `currency`; a decimal string.")
    currency: str
    closed_by: str
    closed_at: datetime


class DealWonV1(DealClosed, type="leadline.leads.deal.won.v1", topic=LEAD, subject="lead_id"):
    """A deal entered a stage that closes deals as won (its pipeline's stage flagged ``outcome: won``)."""


class DealLostV1(DealClosed, type="leadline.leads.deal.lost.v1", topic=LEAD, subject="lead_id"):
    """A deal entered a stage that closes deals as lost (its pipeline's stage flagged ``outcome: lost``)."""


class LeadAnnouncedV1(Event, type="leadline.leads.lead.announced.v1", topic=LEAD, subject="lead_id"):
    """A lead as it is now, announced once for every lead that existed when this event type was introduced: a
    consumer whose copy of leads began later than a lead (or kept less of it, e.g. communications matching e-mails by
    the sender's address, or letting a lead's salesperson write e-mails) learns it without an edit. Keyed by the
    lead, so it comes in order with the lead's other events: later ones change what it says."""

    lead_id: UUID
    name: str
    closed: bool
    salesperson_id: str | None
    phone: str | None = Field(description="E.164.")
    email: str | None = Field(description="Lower case.")
    created_at: datetime
    announced_at: datetime
