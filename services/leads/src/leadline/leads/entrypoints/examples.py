"""Examples of what the leads API answers, shown in its OpenAPI document: one office fit-out lead, the
way the service really returns it (a contract test checks each against its model's schema)."""

from __future__ import annotations

from typing import Any

LEAD_ID = "04aa64d1-68d5-4caf-bec4-0e02842ada5c"
PARTNER_ID = "f0981fd5-dc73-4a51-ad9a-b1a9ce70ac2c"
CONTACT_ID = "3e5d7c1a-2b4f-4c6d-8e9f-1a2b3c4d5e6f"
DEAL_ID = "2c9b8a70-3f1d-4d8e-9a55-0b7e4c1e6a0f"
CREATED_AT = "2026-11-24T09:15:00Z"
UPDATED_AT = "2026-11-25T10:30:00Z"
NEXT_STEP_AT = "2026-12-02T10:00:00Z"

LEAD: dict[str, Any] = {
    "id": LEAD_ID,
    "name": "Office fit-out, 40 desks",
    "type_code": "sale",
    "status_code": "qualification",
    "closed": False,
    "status_since": UPDATED_AT,
    "salesperson_id": "anna",
    "partner_id": PARTNER_ID,
    "product_code": "desks",
    "priority_code": "high",
    "source_code": "website",
    "campaign_code": None,
    "channel_code": "inbound",
    "lost_reason_code": None,
    "tags": ["vip"],
    "expected_revenue": "125000.00",
    "currency": "PLN",
    "probability": 70,
    "expected_close": "2026-12-15",
    "phone": "+48601234567",
    "email": "jan.kowalski@kowalski-meble.pl",
    "website": "https://kowalski-meble.pl",
    "contact_person": "Jan Kowalski",
    "street": "ul. Świdnicka 1",
    "city": "Wrocław",
    "postal_code": "50-001",
    "country": "PL",
    "description": "Needs 40 desks by January.",
    "lead_date": CREATED_AT,
    "created_by": "anna",
    "created_at": CREATED_AT,
    "updated_by": "anna",
    "updated_at": UPDATED_AT,
    "version": 3,
    "next_step": "Site visit: measure the office",
    "next_step_at": NEXT_STEP_AT,
    "contact_id": CONTACT_ID,
    "extra_contacts": [
        {"kind": "phone", "value": "+48711234567", "from_lead_id": "9b2f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}
    ],
}

CREATED_LEAD: dict[str, Any] = {
    **LEAD,
    "status_code": "new",
    "status_since": CREATED_AT,
    "probability": 60,
    "updated_at": CREATED_AT,
    "version": 1,
    "likely_duplicates": [
        {
            "id": "7d3f6a52-1b0e-4c1a-9f2e-5a8b7c6d5e4f",
            "name": "Desks for the Wrocław office",
            "phone": "+48601234567",
            "email": None,
            "salesperson_id": "piotr",
        }
    ],
    "deal": None,
}

HISTORY_ENTRY: dict[str, Any] = {
    "at": UPDATED_AT,
    "by": "anna",
    "action": "status_changed",
    "changes": [{"field": "status_code", "old": "new", "new": "qualification"}],
    "merged_from_lead_id": None,
}

DEAL: dict[str, Any] = {
    "id": DEAL_ID,
    "name": "Desks and chairs",
    "pipeline_code": "sales",
    "stage_code": "discovery",
    "value": "98000.00",
    "currency": "PLN",
    "outcome": None,
    "closed_at": None,
    "created_at": CREATED_AT,
    "stage_since": CREATED_AT,
    "version": 1,
}

CONTACT: dict[str, Any] = {
    "id": CONTACT_ID,
    "partner_id": PARTNER_ID,
    "name": "Jan Kowalski",
    "role": "Office manager",
    "phones": ["+48601234567"],
    "emails": ["jan.kowalski@kowalski-meble.pl"],
}

DEAL_CARD: dict[str, Any] = {
    "id": DEAL_ID,
    "name": "Desks and chairs",
    "stage_code": "discovery",
    "value": {"currency": "PLN", "amount": "98000.00"},
    "outcome": None,
    "closed_at": None,
    "stage_since": CREATED_AT,
    "created_at": CREATED_AT,
    "lead": {"id": LEAD_ID, "name": "Office fit-out, 40 desks"},
    "partner": {"id": PARTNER_ID, "name": "Kowalski Meble sp. z o.o."},
    "salesperson": {"id": "anna", "name": "Anna Nowak"},
    "priority": {"code": "high", "name": "High", "colour": "#ff9800"},
    "version": 1,
}

PIPELINE_BOARD: dict[str, Any] = {
    "pipeline_code": "sales",
    "name": "Sales",
    "state": "open",
    "columns": [
        {
            "stage_code": "discovery",
            "name": "Discovery",
            "outcome": None,
            "probability": 20,
            "archived": False,
            "count": 7,
            "value": [{"currency": "PLN", "amount": "412000.00"}],
            "cards": [DEAL_CARD],
            "next_cursor": None,
        },
        {
            "stage_code": "won",
            "name": "Won",
            "outcome": "won",
            "probability": 100,
            "archived": False,
            "count": 0,
            "value": [],
            "cards": [],
            "next_cursor": None,
        },
    ],
}

CARD: dict[str, Any] = {
    **LEAD,
    "partner": {
        "id": PARTNER_ID,
        "name": "Kowalski Meble sp. z o.o.",
        "tax_id": "8971234567",
        "contact_person": "Jan Kowalski",
        "phone": "+48711234567",
        "email": "biuro@kowalski-meble.pl",
        "city": "Wrocław",
        "country": "PL",
    },
    "history": [HISTORY_ENTRY],
    "deals": [{**DEAL, "pipeline_name": "Sales", "stage_name": "Discovery"}],
    "contact": CONTACT,
    "communications": [
        {
            "kind": "call",
            "id": "5b1e2d3c-4a5f-4b6e-8d7c-9f0a1b2c3d4e",
            "label": "+48601234567, 2026-11-24 09:12 UTC",
            "linked_at": "2026-11-24T09:12:00Z",
            "call": {
                "direction": "inbound",
                "contact_number": "+48601234567",
                "phase": "ended",
                "disposition": "answered",
                "duration_seconds": 312,
                "answered_by": "101",
                "recording_url": "https://pbx.example/recordings/5b1e2d3c.mp3",
                "recording_id": None,
            },
        },
        {
            "kind": "email",
            "id": "6c2f3e4d-5b6a-4c7f-9e8d-0a1b2c3d4e5f",
            "label": "jan.kowalski@kowalski-meble.pl, Desks for 40 people, 2026-11-24 08:55 UTC",
            "linked_at": "2026-11-24T08:55:00Z",
            "call": None,
        },
    ],
    "documents": [
        {
            "kind": "order",
            "id": "0b7f8c9e-3f4a-4a57-9d1e-6b8f2f0c1a2b",
            "label": "ZS/2026/000042 of 2026-11-25, draft, ZS, 125000.00 PLN",
            "linked_at": UPDATED_AT,
            "document": {
                "number": "ZS/2026/000042",
                "document_date": "2026-11-25",
                "status": "draft",
                "type_code": "ZS",
                "amount": "125000.00",
                "currency": "PLN",
            },
        }
    ],
    "actions": {
        "lost": {"allowed": True, "reason": None},
        "create_order": {"allowed": True, "reason": None},
        "create_invoice": {"allowed": False, "reason": "the invoice type parameter is not set"},
        "write_email": {"allowed": True, "reason": None},
    },
}

BOARD_CARD: dict[str, Any] = {
    "id": LEAD_ID,
    "title": "Sale : Office fit-out, 40 desks",
    "name": "Office fit-out, 40 desks",
    "type_code": "sale",
    "status_code": "qualification",
    "created_at": CREATED_AT,
    "partner": {"id": PARTNER_ID, "name": "Kowalski Meble sp. z o.o."},
    "expected_revenue": {"currency": "PLN", "amount": "125000.00"},
    "tags": [{"code": "vip", "name": "VIP", "colour": "#9c27b0"}],
    "salesperson": {"id": "anna", "name": "Anna Nowak"},
    "expected_close": "2026-12-15",
    "overdue": False,
    "next_step": "Site visit: measure the office",
    "next_step_at": NEXT_STEP_AT,
    "next_step_overdue": False,
    "priority": {"code": "high", "name": "High", "colour": "#ff9800"},
    "version": 3,
}

BOARD: dict[str, Any] = {
    "type_code": None,
    "columns": [
        {
            "status_code": "new",
            "name": "New",
            "archived": False,
            "count": 0,
            "revenue": [],
            "cards": [],
            "next_cursor": None,
        },
        {
            "status_code": "qualification",
            "name": "Qualification",
            "archived": False,
            "count": 21,
            "revenue": [{"currency": "EUR", "amount": "18000.00"}, {"currency": "PLN", "amount": "1240500.00"}],
            "cards": [BOARD_CARD],
            "next_cursor": "eyJrIjpbIjIwMjYtMTEtMjRUMDk6MTU6MDBaIl19",
        },
    ],
}

CURSOR = "eyJrIjpbIjIwMjYtMTEtMjRUMDk6MTU6MDBaIiwiMDRhYTY0ZDEiXX0"

STATUS: dict[str, Any] = {
    "code": "qualification",
    "name": "Qualification",
    "sort_order": 20,
    "closed": False,
    "lost": False,
    "archived": False,
}

LEAD_TYPE: dict[str, Any] = {"code": "service", "name": "Service", "allowed_statuses": ["lost", "new", "qualification"]}

REFERENCE_ITEM: dict[str, Any] = {
    "kind": "priority",
    "code": "high",
    "name": "High",
    "colour": "#ff9800",
    "sort_order": 30,
    "parent_code": None,
    "archived": False,
    "probability": None,
    "outcome": None,
}

EMPLOYEE: dict[str, Any] = {
    "id": "anna",
    "name": "Anna Nowak",
    "role": "salesperson",
    "extension": "101",
    "email": "anna@leadline.example",
    "archived": False,
}

PARTNER: dict[str, Any] = {
    "id": PARTNER_ID,
    "name": "Kowalski Meble sp. z o.o.",
    "tax_id": "8971234567",
    "contact_person": "Jan Kowalski",
    "phone": "+48711234567",
    "email": "biuro@kowalski-meble.pl",
    "street": "ul. Świdnicka 1",
    "city": "Wrocław",
    "postal_code": "50-001",
    "country": "PL",
    "archived": False,
    "version": 1,
    "contacts": [CONTACT],
}
