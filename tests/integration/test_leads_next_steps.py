"""Next steps with a date (the MyCompany routine: "write the next step — what and when") and partners' contact persons,
against the real broker and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from leadline.contracts.wire.events import LeadCreatedV1, LeadUpdatedV1, PartnerChangedV1
from leadline.contracts.wire.topics import PARTNER
from leadline.leads.domain.next_steps import DueWindow, due_interval
from tests.support.http import ok
from tests.support.integration.leads import create, published, refusal
from tests.support.kafka import LocalKafka, headers_of, read_until
from tests.support.services import RunningService, auth, running_service

pytestmark = pytest.mark.kafka

COMPANY = ZoneInfo("Europe/Warsaw")  # the default COMPANY_TIME_ZONE


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


def moment(at: datetime) -> str:
    return at.astimezone(COMPANY).isoformat()


async def test_next_steps_come_due_in_the_routine_views_and_on_the_kanban_card(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    now = datetime.now(UTC)
    _, end_of_today = due_interval(DueWindow.TODAY, now, COMPANY)
    _, end_of_week = due_interval(DueWindow.THIS_WEEK, now, COMPANY)
    ids: dict[str, str] = {}
    for name, user, at in [
        ("overdue", "anna", now - timedelta(days=30)),
        ("later today", "anna", end_of_today - timedelta(seconds=1)),
        ("next week", "anna", end_of_week + timedelta(hours=1)),
        ("piotr's overdue", "piotr", now - timedelta(days=2, hours=1)),
    ]:
        ids[name] = (await create(leads, user, name=name, next_step="Call back", next_step_at=moment(at)))["id"]
    ids["without"] = (await create(leads, name="without"))["id"]
    closed = await create(leads, name="closed", next_step="Too late", next_step_at=moment(now - timedelta(days=1)))
    ok(await leads.http.post(f"/leads/{closed['id']}/status", json={"status_code": "won"}, headers=auth("anna")))

    async def due(user: str, **params: Any) -> list[str]:
        page = ok(await leads.http.get("/leads/routine/next-steps-due", params=params, headers=auth(user)))
        return [lead["name"] for lead in page["items"]]

    assert await due("anna", due="overdue") == ["overdue"]
    assert await due("anna") == ["later today"]  # today by default
    assert "next week" not in await due("anna", due="this-week")
    assert await due("marta", due="overdue") == ["overdue", "piotr's overdue"]  # everyone's, soonest first
    assert await due("marta", due="overdue", salesperson_id="piotr") == ["piotr's overdue"]
    assert await due("marta", due="overdue", mine="true") == []
    forbidden = await leads.http.get("/leads/routine/next-steps-due", params={"mine": "false"}, headers=auth("anna"))
    assert refusal(forbidden) == (403, "manager_only", "mine")
    without = ok(await leads.http.get("/leads/routine/without-next-step", headers=auth("anna")))["items"]
    assert [lead["name"] for lead in without] == ["without"]

    kanban = ok(await leads.http.get("/kanban", headers=auth("anna")))
    cards = {card["name"]: card for column in kanban["columns"] for card in column["cards"]}
    assert (cards["overdue"]["next_step"], cards["overdue"]["next_step_overdue"]) == ("Call back", True)
    assert cards["next week"]["next_step_overdue"] is False
    assert cards["without"]["next_step_at"] is None

    # Edited like any field: history and events.
    edited = ok(
        await leads.http.patch(f"/leads/{ids['without']}", json={"next_step": "Send the offer"}, headers=auth("anna"))
    )
    later = moment(now + timedelta(days=3))
    ok(await leads.http.patch(f"/leads/{ids['without']}", json={"next_step_at": later}, headers=auth("anna")))
    assert edited["next_step"] == "Send the offer"
    history = ok(await leads.http.get(f"/leads/{ids['without']}/history", headers=auth("anna")))
    assert history[-1]["changes"] == [
        {"field": "next_step_at", "old": None, "new": datetime.fromisoformat(later).astimezone(UTC).isoformat()}
    ]
    updates = await published(kafka, namespace, LeadUpdatedV1, ids["without"], lambda events: len(events) >= 2)
    assert [[c.field for c in e.changes] for e in updates if isinstance(e, LeadUpdatedV1)] == [
        ["next_step"],
        ["next_step_at"],
    ]
    [created] = await published(kafka, namespace, LeadCreatedV1, ids["overdue"])
    assert isinstance(created, LeadCreatedV1)
    assert created.next_step == "Call back"

    naive = await leads.http.post(
        "/leads", json={"name": "x", "next_step_at": "2027-01-12T10:00:00"}, headers=auth("anna")
    )
    assert refusal(naive) == (422, "validation", "next_step_at")
    assert naive.json()["errors"][0]["rule"] == "timezone_aware"


async def test_a_partner_has_contact_persons_and_a_lead_names_one_of_its_partners(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    acme = ok(await leads.http.post("/partners", json={"name": "Acme"}, headers=auth("anna")), 201)
    other = ok(await leads.http.post("/partners", json={"name": "Other"}, headers=auth("anna")), 201)
    contacts_url = f"/partners/{acme['id']}/contacts"
    jan = await leads.http.post(
        contacts_url,
        json={"name": "Jan Kowalski", "role": "Buyer", "phones": ["601 234 567"], "emails": ["Jan@Acme.example"]},
        headers={**auth("anna"), "If-Match": '"1"'},
    )
    contact = ok(jan, 201)
    assert (contact["phones"], contact["emails"], jan.headers["ETag"]) == (
        ["+48601234567"],
        ["jan@acme.example"],
        '"2"',
    )
    stale = await leads.http.patch(
        f"{contacts_url}/{contact['id']}", json={"role": "Director"}, headers={**auth("anna"), "If-Match": '"1"'}
    )
    assert refusal(stale)[:2] == (412, "stale_version")
    ok(await leads.http.patch(f"{contacts_url}/{contact['id']}", json={"role": "Director"}, headers=auth("piotr")))
    assert (
        ok(await leads.http.get(f"/partners/{acme['id']}", headers=auth("anna")))["contacts"][0]["role"] == "Director"
    )
    bad_phone = await leads.http.post(contacts_url, json={"name": "X", "phones": ["not a phone"]}, headers=auth("anna"))
    assert refusal(bad_phone) == (422, "invalid_phone", "phones")

    lead = await create(leads, partner_id=acme["id"], contact_id=contact["id"])
    assert lead["contact_id"] == contact["id"]
    card = ok(await leads.http.get(f"/leads/{lead['id']}/card", headers=auth("anna")))
    assert (card["contact"]["name"], card["contact"]["role"]) == ("Jan Kowalski", "Director")
    for fields, rule in [
        ({"partner_id": other["id"], "contact_id": contact["id"]}, "contact_not_of_partner"),
        ({"contact_id": str(uuid.uuid4())}, "unknown_contact"),
    ]:
        assert refusal(await leads.http.post("/leads", json={"name": "x", **fields}, headers=auth("anna"))) == (
            422,
            rule,
            "contact_id",
        )
    moved = await leads.http.patch(f"/leads/{lead['id']}", json={"partner_id": other["id"]}, headers=auth("anna"))
    assert refusal(moved) == (422, "contact_not_of_partner", "contact_id")
    in_use = await leads.http.delete(f"{contacts_url}/{contact['id']}", headers=auth("anna"))
    assert refusal(in_use)[:2] == (409, "contact_in_use")

    def partner_events(records: list[Any]) -> list[PartnerChangedV1]:
        return [
            PartnerChangedV1.model_validate_json(r.value or b"")
            for r in records
            if headers_of(r)["ce_subject"] == acme["id"]
        ]

    records = await read_until(kafka.bootstrap, PARTNER, namespace, lambda rs: len(partner_events(rs)) >= 3)
    latest = partner_events(records)[-1]
    assert (latest.version, [(c.name, c.role, c.phones) for c in latest.contacts]) == (
        3,
        [("Jan Kowalski", "Director", ["+48601234567"])],
    )
