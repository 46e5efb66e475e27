"""Events as other services and gateways publish them, with defaults a test overrides by keyword."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import (
    CallAttachedV1,
    CallLeadRequestedV1,
    CallReceivedV1,
    CallRegisteredV1,
    DealLostV1,
    DealStageChangedV1,
    DealWonV1,
    EmailAttachedV1,
    EmailLeadRequestedV1,
    EmailReceivedV1,
    EmailRegisteredV1,
    LeadAssignedV1,
    LeadCreatedV1,
    LeadDealChangedV1,
    LeadDeletedV1,
    LeadFieldChange,
    LeadLostV1,
    LeadMergedV1,
    LeadOrigin,
    LeadRequestRefusedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
    Mailbox,
    OrderCreatedV1,
    OrderDeletedV1,
    OrderStatusChangedV1,
    PartnerChangedV1,
    PartnerContact,
    ReferenceItemChangedV1,
    SettingChangedV1,
)


@dataclass(frozen=True)
class FakeRecord:
    """What aiokafka hands a consumer."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


def record_of(envelope: Envelope, topic: str, offset: int) -> FakeRecord:
    """The record a producer of ``envelope`` puts on ``topic``: keyed by its subject, the event's JSON as value."""
    return FakeRecord(topic, 0, offset, envelope.subject.encode(), envelope.data, envelope.kafka_headers())


CALLER = "+48601234567"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def lead_created(lead_id: UUID | None = None, **changes: Any) -> LeadCreatedV1:
    fields: dict[str, Any] = {
        "lead_id": lead_id or uuid.uuid4(),
        "name": "Office fit-out",
        "type_code": "sale",
        "status_code": "new",
        "closed": False,
        "salesperson_id": "anna",
        "phone": CALLER,
        "email": "jan@example.com",
        "created_by": "anna",
        "created_at": AT,
    }
    return LeadCreatedV1(**{**fields, **changes})


def lead_created_from_call(call_id: UUID, lead_id: UUID, **changes: Any) -> LeadCreatedV1:
    return lead_created(lead_id, origin=LeadOrigin(kind="call", id=call_id), **changes)


def status_changed(
    lead_id: UUID, from_status: str, to_status: str, *, closed: bool = False, at: datetime = AT
) -> LeadStatusChangedV1:
    return LeadStatusChangedV1(
        lead_id=lead_id,
        from_status_code=from_status,
        to_status_code=to_status,
        closed=closed,
        changed_by="anna",
        changed_at=at,
    )


def lead_lost(lead_id: UUID, reason: str, *, status_code: str = "lost", at: datetime = AT) -> LeadLostV1:
    return LeadLostV1(lead_id=lead_id, lost_reason_code=reason, status_code=status_code, lost_by="anna", lost_at=at)


def call_received(pbx_call_id: str | None = None, **changes: Any) -> CallReceivedV1:
    fields: dict[str, Any] = {
        "pbx_call_id": pbx_call_id or f"pbx-{uuid.uuid4()}",
        "caller_number": "601 234 567",
        "called_number": "+48713000000",
        "extension": "101",
        "received_at": AT,
    }
    return CallReceivedV1(**{**fields, **changes})


def lead_requested(lead_id: UUID | None = None, **changes: Any) -> CallLeadRequestedV1:
    fields: dict[str, Any] = {
        "call_id": uuid.uuid4(),
        "lead_id": lead_id or uuid.uuid4(),
        "name": f"Call from {CALLER}",
        "phone": CALLER,
        "salesperson_id": "piotr",
        "requested_by": "piotr",
        "requested_at": AT,
    }
    return CallLeadRequestedV1(**{**fields, **changes})


def lead_deleted(lead_id: UUID) -> LeadDeletedV1:
    return LeadDeletedV1(lead_id=lead_id, deleted_by="anna", deleted_at=AT)


def lead_request_refused(lead_id: UUID, item_id: UUID, **changes: Any) -> LeadRequestRefusedV1:
    fields: dict[str, Any] = {
        "lead_id": lead_id,
        "item_kind": "call",
        "item_id": item_id,
        "rule": "no_open_status",
        "reason": "lead type 'Sale' allows no open status",
        "refused_at": AT,
    }
    return LeadRequestRefusedV1(**{**fields, **changes})


def leads_merged(survivor_id: UUID, merged_id: UUID) -> LeadMergedV1:
    return LeadMergedV1(survivor_id=survivor_id, merged_id=merged_id, merged_by="marta", merged_at=AT)


def call_registered(lead_id: UUID | None, **changes: Any) -> CallRegisteredV1:
    """Attached to the lead on arrival; ``None``: left in triage."""
    fields: dict[str, Any] = {
        "call_id": uuid.uuid4(),
        "pbx_call_id": f"pbx-{uuid.uuid4()}",
        "caller_number": CALLER,
        "extension": "101",
        "received_at": AT,
        "state": "attached" if lead_id else "triage",
        "lead_id": lead_id,
    }
    return CallRegisteredV1(**{**fields, **changes})


def call_attached(call_id: UUID, lead_id: UUID, **changes: Any) -> CallAttachedV1:
    fields: dict[str, Any] = {
        "call_id": call_id,
        "lead_id": lead_id,
        "how": "chosen",
        "attached_by": "anna",
        "attached_at": AT,
        "caller_number": CALLER,
        "received_at": AT,
    }
    return CallAttachedV1(**{**fields, **changes})


SENDER = "jan@example.com"


def email_received(message_id: str | None = None, **changes: Any) -> EmailReceivedV1:
    fields: dict[str, Any] = {
        "message_id": message_id or f"{uuid.uuid4()}@mail.example.com",
        "sender": Mailbox(address="Jan@Example.com", name="Jan Kowalski"),
        "to": [Mailbox(address="anna@leadline.example", name="Anna Nowak")],
        "subject_line": "Office fit-out",
        "sent_at": AT,
        "text_body": "Could you quote the fit-out of our office?",
    }
    return EmailReceivedV1(**{**fields, **changes})


def email_registered(lead_id: UUID | None, **changes: Any) -> EmailRegisteredV1:
    """Attached to the lead on arrival; ``None``: left in triage."""
    fields: dict[str, Any] = {
        "email_id": uuid.uuid4(),
        "message_id": f"{uuid.uuid4()}@mail.example.com",
        "sender": SENDER,
        "subject_line": "Office fit-out",
        "sent_at": AT,
        "state": "attached" if lead_id else "triage",
        "lead_id": lead_id,
        "matched_by": "sender" if lead_id else None,
    }
    return EmailRegisteredV1(**{**fields, **changes})


def email_attached(email_id: UUID, lead_id: UUID, **changes: Any) -> EmailAttachedV1:
    fields: dict[str, Any] = {
        "email_id": email_id,
        "lead_id": lead_id,
        "how": "chosen",
        "attached_by": "anna",
        "attached_at": AT,
        "sender": SENDER,
        "subject_line": "Office fit-out",
        "sent_at": AT,
    }
    return EmailAttachedV1(**{**fields, **changes})


def email_lead_requested(lead_id: UUID | None = None, **changes: Any) -> EmailLeadRequestedV1:
    fields: dict[str, Any] = {
        "email_id": uuid.uuid4(),
        "lead_id": lead_id or uuid.uuid4(),
        "name": "Office fit-out",
        "email": SENDER,
        "salesperson_id": "anna",
        "requested_by": "anna",
        "requested_at": AT,
    }
    return EmailLeadRequestedV1(**{**fields, **changes})


def lead_updated(lead_id: UUID, version: int = 2, **changes: Any) -> LeadUpdatedV1:
    """``changes``: field → new value, as plain JSON like the leads service sends it."""
    return LeadUpdatedV1(
        lead_id=lead_id,
        changes=[LeadFieldChange(field=name, old=None, new=value) for name, value in changes.items()],
        version=version,
        updated_by="anna",
        updated_at=AT,
    )


def lead_assigned(
    lead_id: UUID, to_salesperson_id: str | None, from_salesperson_id: str | None = "anna"
) -> LeadAssignedV1:
    return LeadAssignedV1(
        lead_id=lead_id,
        from_salesperson_id=from_salesperson_id,
        to_salesperson_id=to_salesperson_id,
        assigned_by="marta",
        assigned_at=AT,
    )


def setting_changed(key: str, value: str | None) -> SettingChangedV1:
    return SettingChangedV1(key=key, value=value, changed_by="marta", changed_at=AT)


def product_changed(code: str, name: str, *, deleted: bool = False) -> ReferenceItemChangedV1:
    return ReferenceItemChangedV1(
        kind="product",
        code=code,
        name=name,
        colour=None,
        sort_order=0,
        parent_code=None,
        archived=False,
        deleted=deleted,
        changed_by="marta",
        changed_at=AT,
    )


def order_created(lead_id: UUID, order_id: UUID | None = None, **changes: Any) -> OrderCreatedV1:
    fields: dict[str, Any] = {
        "order_id": order_id or uuid.uuid4(),
        "lead_id": lead_id,
        "number": "ZS/2026/000001",
        "type_code": "ZS",
        "document_date": AT.date(),
        "status": "draft",
        "amount": Decimal("125000.00"),
        "currency": "PLN",
        "created_at": AT,
        "partner_id": None,
        "created_by": "anna",
    }
    return OrderCreatedV1(**{**fields, **changes})


def order_status_changed(created: OrderCreatedV1, status: str) -> OrderStatusChangedV1:
    summary = created.model_dump(exclude={"order_id", "partner_id", "created_by", "status"})
    return OrderStatusChangedV1(
        order_id=created.order_id,
        status=status,
        from_status=created.status,
        changed_by="anna",
        changed_at=AT,
        **summary,
    )


def order_deleted(created: OrderCreatedV1) -> OrderDeletedV1:
    return OrderDeletedV1(
        order_id=created.order_id, lead_id=created.lead_id, number=created.number, deleted_by="anna", deleted_at=AT
    )


def partner_changed(partner_id: UUID, name: str, contacts: Sequence[PartnerContact] = ()) -> PartnerChangedV1:
    return PartnerChangedV1(
        partner_id=partner_id,
        name=name,
        tax_id=None,
        contact_person=None,
        phone=None,
        email=None,
        street=None,
        city=None,
        postal_code=None,
        country=None,
        archived=False,
        version=1,
        contacts=list(contacts),
        changed_by="marta",
        changed_at=AT,
    )


def stage_changed(
    code: str, *, probability: int | None = None, outcome: str | None = None, **changes: Any
) -> ReferenceItemChangedV1:
    """A stage of the sales pipeline as the reference topic says it."""
    fields: dict[str, Any] = {
        "kind": "stage",
        "code": code,
        "name": code.title(),
        "colour": None,
        "sort_order": 0,
        "parent_code": "sales",
        "archived": False,
        "probability": probability,
        "outcome": outcome,
        "changed_by": "marta",
        "changed_at": AT,
    }
    return ReferenceItemChangedV1(**{**fields, **changes})


def deal_changed(lead_id: UUID, deal_id: UUID, change: str = "added", **changes: Any) -> LeadDealChangedV1:
    fields: dict[str, Any] = {
        "lead_id": lead_id,
        "deal_id": deal_id,
        "change": change,
        "name": "Racking",
        "pipeline_code": "sales",
        "stage_code": "discovery",
        "value": Decimal("1000.00"),
        "currency": "PLN",
        "changed_by": "anna",
        "changed_at": AT,
    }
    return LeadDealChangedV1(**{**fields, **changes})


def deal_moved(
    lead_id: UUID, deal_id: UUID, from_stage: str, to_stage: str, at: datetime, outcome: str | None = None
) -> DealStageChangedV1:
    return DealStageChangedV1(
        lead_id=lead_id,
        deal_id=deal_id,
        pipeline_code="sales",
        from_stage_code=from_stage,
        to_stage_code=to_stage,
        outcome=outcome,
        changed_by="anna",
        changed_at=at,
    )


def deal_closed(
    lead_id: UUID, deal_id: UUID, outcome: str, at: datetime, value: str = "1000.00"
) -> DealWonV1 | DealLostV1:
    kind = DealWonV1 if outcome == "won" else DealLostV1
    return kind(
        lead_id=lead_id,
        deal_id=deal_id,
        name="Racking",
        pipeline_code="sales",
        stage_code=outcome,
        value=Decimal(value),
        currency="PLN",
        closed_by="anna",
        closed_at=at,
    )
