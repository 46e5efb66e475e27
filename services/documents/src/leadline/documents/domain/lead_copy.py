"""What documents know of a lead: the fields an order or invoice is filled from. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class LeadCopy:
    """The documents service's own copy of a lead, kept current from lead events."""

    lead_id: UUID
    name: str
    status_code: str
    closed: bool
    salesperson_id: str | None
    phone: str | None
    email: str | None
    partner_id: UUID | None = None
    product_code: str | None = None
    expected_revenue: Decimal | None = None
    currency: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    deleted: bool = False  # the lead was deleted: no document is made for it, its documents show it

    def updated(self, changes: Mapping[str, Any]) -> LeadCopy:
        """The copy with the changed fields of a LeadUpdatedV1 applied (their values are plain JSON:
        ids and decimals as strings); fields documents do not keep are ignored."""
        kept = {name: _typed(name, value) for name, value in changes.items() if name in COPIED_FIELDS}
        return replace(self, **kept) if kept else self


# The fields of a lead that documents keep, as LeadUpdatedV1 names them.
COPIED_FIELDS = frozenset(
    {
        "name",
        "status_code",
        "closed",
        "salesperson_id",
        "phone",
        "email",
        "partner_id",
        "product_code",
        "expected_revenue",
        "currency",
        "street",
        "city",
        "postal_code",
        "country",
    }
)


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "partner_id":
        return UUID(str(value))
    if name == "expected_revenue":
        return Decimal(str(value))
    return value
