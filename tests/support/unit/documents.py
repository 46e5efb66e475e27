"""What the documents unit tests share: who signs in, and the lead copy orders and invoices are made from."""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

from leadline.contracts.platform.auth import Principal, Role
from leadline.documents.domain.lead_copy import LeadCopy

WARSAW = ZoneInfo("Europe/Warsaw")
ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}))
PIOTR = Principal("piotr", "Piotr Zieliński", frozenset({Role.SALESPERSON}))
MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}))
PARTNER = uuid.uuid4()


def a_lead(**changes: object) -> LeadCopy:
    """Anna's lead for a standing desk worth 125 000 PLN, to Kowalski's address in Wrocław."""
    lead = LeadCopy(
        lead_id=uuid.uuid4(),
        name="Office fit-out",
        status_code="new",
        closed=False,
        salesperson_id="anna",
        phone=None,
        email=None,
        partner_id=PARTNER,
        product_code="desk",
        expected_revenue=Decimal("125000.00"),
        currency="PLN",
        street="ul. Świdnicka 1",
        city="Wrocław",
        postal_code="50-001",
        country="PL",
    )
    return replace(lead, **changes)  # type: ignore[arg-type]
