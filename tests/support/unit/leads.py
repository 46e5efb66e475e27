"""Leads' reference data (statuses, lead types, a lost reason), users, the team and a lead for unit tests, and the unit
of work in memory holding them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from leadline.contracts.platform.auth import Principal, Role
from leadline.leads.domain.model import Lead, LeadType, ReferenceData, ReferenceItem, Status
from leadline.leads.domain.reference import Employee
from tests.support.fake_leads import FakeUnitOfWork

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW = Status("new", "New", sort_order=10, closed=False, lost=False)
QUALIFICATION = Status("qualification", "Qualification", sort_order=20, closed=False, lost=False)
PROPOSAL = Status("proposal", "Proposal", sort_order=30, closed=False, lost=False)
WON = Status("won", "Won", sort_order=40, closed=True, lost=False)
LOST = Status("lost", "Lost", sort_order=50, closed=True, lost=True)
ALL_STATUSES = (NEW, QUALIFICATION, PROPOSAL, WON, LOST)
SALE = LeadType("sale", "Sale")  # no list: every status
SERVICE = LeadType("service", "Service", frozenset({"new", "qualification", "won", "lost"}))


def reference(*statuses: Status, types: tuple[LeadType, ...] = (SALE, SERVICE)) -> ReferenceData:
    return ReferenceData(
        statuses={s.code: s for s in statuses or ALL_STATUSES},
        lead_types={t.code: t for t in types},
    )


def a_lead(*, salesperson_id: str | None = "anna", type_code: str = "sale", status: Status = NEW) -> Lead:
    return Lead(
        id=uuid4(),
        name="Office fit-out",
        type_code=type_code,
        status_code=status.code,
        closed=status.closed,
        salesperson_id=salesperson_id,
        phone="+48601234567",
        email="jan@example.com",
        created_by="anna",
        created_at=CREATED,
        updated_by="anna",
        updated_at=CREATED,
        status_since=CREATED,
        lead_date=CREATED,
        currency="PLN",
    )


ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}), extension="101")
MARTA = Principal("marta", "Marta Wiśniewska", frozenset({Role.MANAGER, Role.SALESPERSON}), extension="100")
PIOTR = Principal("piotr", "Piotr Zieliński", frozenset({Role.SALESPERSON}), extension="102")
TEAM = (
    Employee("anna", "Anna Nowak", Role.SALESPERSON),
    Employee("piotr", "Piotr Zieliński", Role.SALESPERSON),
    Employee("marta", "Marta Wiśniewska", Role.MANAGER),
    Employee("ewa", "Ewa Lewandowska", Role.SALESPERSON, archived=True),
)
WENT_ELSEWHERE = ReferenceItem("lost_reason", "competitor", "Went to a competitor")


def a_unit_of_work(*leads: Lead) -> FakeUnitOfWork:
    """The team and the reference data above, and these leads stored."""
    uow = FakeUnitOfWork(replace(reference(), items={("lost_reason", "competitor"): WENT_ELSEWHERE}), *TEAM)
    uow.leads.by_id.update((lead.id, lead) for lead in leads)
    return uow
