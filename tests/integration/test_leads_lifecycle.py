"""How leads end and what their card shows, against the real broker and a real database (SQLite, and
PostgreSQL when configured): lost, delete, merge, likely duplicates, deals, links from calls, the card."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Executable, insert, select, update

from leadline.contracts.wire.events import (
    LeadAssignedV1,
    LeadDealChangedV1,
    LeadDeletedV1,
    LeadLostV1,
    LeadMergedV1,
    LeadStatusChangedV1,
    LeadUpdatedV1,
)
from leadline.leads.adapters.configuration_cache import configuration_changed
from leadline.leads.adapters.tables import lead_history, partners, reference_items, settings, statuses
from tests.support.builders import AT, CALLER, call_attached, call_registered
from tests.support.integration.leads import create, published, refusal
from tests.support.kafka import GatewayProducer, LocalKafka
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

CALL_LABEL = f"{CALLER}, 2026-03-02 09:30 UTC"


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, database_url: str):  # type: ignore[no-untyped-def]
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def arrange(leads: RunningService, *statements: Executable) -> None:
    """Sets up what another part of the service (configuration) would have; not what is under test."""
    async with leads.runtime.sessions() as session:
        for statement in statements:
            await session.execute(statement)
        await configuration_changed(session)
        await session.commit()


async def link_a_call(kafka: LocalKafka, namespace: str, leads: RunningService, lead_id: str) -> str:
    """Publishes what communications would when a call attaches to the lead; returns the call's id."""
    registered = call_registered(uuid.UUID(lead_id))
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(registered)

    async def linked() -> bool:
        card = (await leads.http.get(f"/leads/{lead_id}/card", headers=auth("marta"))).json()
        return any(item["id"] == str(registered.call_id) for item in card["communications"])

    await eventually(linked, what="the call was linked to the lead")
    return str(registered.call_id)


# --- lost --------------------------------------------------------------------------------------


async def test_lost_moves_an_open_lead_to_the_lost_status_with_its_reason_and_tells_the_topic(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = await create(leads)

    lost = await leads.http.post(
        f"/leads/{lead['id']}/lost",
        json={"lost_reason_code": "competitor"},
        headers={**auth("anna"), "If-Match": '"1"'},
    )

    assert lost.status_code == 200, lost.text
    assert (lost.json()["status_code"], lost.json()["closed"], lost.json()["lost_reason_code"]) == (
        "lost",
        True,
        "competitor",
    )
    assert lost.headers["ETag"] == '"2"'
    history = (await leads.http.get(f"/leads/{lead['id']}/history", headers=auth("anna"))).json()
    assert history[-1]["action"] == "lost"
    assert {c["field"]: (c["old"], c["new"]) for c in history[-1]["changes"]} == {
        "status_code": ("new", "lost"),
        "closed": (False, True),
        "lost_reason_code": (None, "competitor"),
    }
    [event] = await published(kafka, namespace, LeadLostV1, lead["id"])
    assert isinstance(event, LeadLostV1)
    assert (event.lost_reason_code, event.status_code, event.lost_by) == ("competitor", "lost", "anna")
    [move] = await published(kafka, namespace, LeadStatusChangedV1, lead["id"])
    assert isinstance(move, LeadStatusChangedV1)
    assert (move.from_status_code, move.to_status_code, move.closed) == ("new", "lost", True)


async def test_lost_is_refused_naming_the_rule_and_the_field(leads: RunningService) -> None:
    lead = await create(leads)
    await arrange(
        leads,
        insert(reference_items).values(
            kind="lost_reason", code="fax-only", name="Fax only", sort_order=0, archived=True
        ),
    )

    async def lose(reason: str, user: str = "anna", version: str | None = None) -> httpx.Response:
        headers = {**auth(user), **({"If-Match": version} if version else {})}
        return await leads.http.post(f"/leads/{lead['id']}/lost", json={"lost_reason_code": reason}, headers=headers)

    assert refusal(await lose("weather")) == (422, "unknown_lost_reason", "lost_reason_code")
    assert refusal(await lose("fax-only")) == (422, "archived_lost_reason", "lost_reason_code")
    assert refusal(await lose("price", user="piotr")) == (403, "not_your_lead", "salesperson_id")
    assert (await lose("price", version='"7"')).status_code == 412
    assert refusal(await leads.http.post(f"/leads/{lead['id']}/lost", json={}, headers=auth("anna")))[1] == "validation"
    # The lost status is reached through this action only, which records why.
    moved = await leads.http.post(f"/leads/{lead['id']}/status", json={"status_code": "lost"}, headers=auth("anna"))
    edited = await leads.http.patch(f"/leads/{lead['id']}", json={"status_code": "lost"}, headers=auth("anna"))
    assert refusal(moved) == refusal(edited) == (422, "lost_needs_reason", "status_code")

    assert (await lose("price")).status_code == 200
    closed = await lose("price")
    assert refusal(closed) == (422, "lead_already_closed", "status_code")
    assert "already closed" in closed.json()["detail"]

    await arrange(leads, update(statuses).values(lost=False))
    other = await create(leads)
    no_lost_status = await leads.http.post(
        f"/leads/{other['id']}/lost", json={"lost_reason_code": "price"}, headers=auth("anna")
    )
    assert refusal(no_lost_status) == (422, "no_lost_status", "status_code")


# --- assign ------------------------------------------------------------------------------------


async def test_reassigning_a_lead_publishes_who_it_went_from_and_to(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = await create(leads)

    reassigned = await leads.http.patch(f"/leads/{lead['id']}", json={"salesperson_id": "piotr"}, headers=auth("marta"))

    assert reassigned.status_code == 200, reassigned.text
    [event] = await published(kafka, namespace, LeadAssignedV1, lead["id"])
    assert isinstance(event, LeadAssignedV1)
    assert (event.from_salesperson_id, event.to_salesperson_id, event.assigned_by) == ("anna", "piotr", "marta")


# --- likely duplicates -------------------------------------------------------------------------


async def test_a_new_lead_lists_the_other_open_leads_with_its_phone_or_email(leads: RunningService) -> None:
    same_phone = await create(leads, name="First call", phone="601 234 567")
    same_email = await create(leads, user="piotr", name="Web form", email="jan@example.com")
    closed = await create(leads, name="Last year", phone="+48601234567")
    await leads.http.post(f"/leads/{closed['id']}/status", json={"status_code": "won"}, headers=auth("anna"))
    await create(leads, name="Someone else", phone="+48609999999", email="ewa@example.com")

    created = await leads.http.post(
        "/leads",
        json={"name": "Office fit-out", "phone": "+48 601 234 567", "email": "Jan@Example.com"},
        headers=auth("anna"),
    )

    assert created.status_code == 201, created.text
    assert {d["id"]: d for d in created.json()["likely_duplicates"]} == {
        same_phone["id"]: {
            "id": same_phone["id"],
            "name": "First call",
            "phone": "+48601234567",
            "email": None,
            "salesperson_id": "anna",
        },
        same_email["id"]: {
            "id": same_email["id"],
            "name": "Web form",
            "phone": None,
            "email": "jan@example.com",
            "salesperson_id": "piotr",
        },
    }
    assert (await create(leads, name="No contacts"))["likely_duplicates"] == []


# --- links and delete --------------------------------------------------------------------------


async def test_a_lead_with_a_linked_call_cannot_be_deleted_and_the_refusal_lists_the_call(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = await create(leads, phone=CALLER)
    call_id = await link_a_call(kafka, namespace, leads, lead["id"])
    attached_later = uuid.uuid4()
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(call_attached(attached_later, uuid.UUID(lead["id"])))

    async def both_linked() -> list[Any]:
        card = (await leads.http.get(f"/leads/{lead['id']}/card", headers=auth("anna"))).json()
        return [item for item in card["communications"] if item["id"] == str(attached_later)]

    await eventually(both_linked, what="the call attached from triage was linked")

    refused = await leads.http.delete(f"/leads/{lead['id']}", headers=auth("anna"))

    assert refusal(refused) == (409, "leads_has_links", "links")
    assert refused.headers["content-type"] == "application/problem+json"
    assert sorted(refused.json()["links"], key=lambda item: item["id"]) == sorted(
        [
            {"kind": "call", "id": call_id, "label": CALL_LABEL},
            {"kind": "call", "id": str(attached_later), "label": CALL_LABEL},
        ],
        key=lambda item: item["id"],
    )
    assert (await leads.http.get(f"/leads/{lead['id']}", headers=auth("anna"))).status_code == 200


async def test_deleting_a_lead_without_links_removes_it_keeps_its_history_and_tells_the_topic(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = await create(leads, tags=["vip"])
    await leads.http.post(
        f"/leads/{lead['id']}/deals",
        json={"name": "Phase 1", "pipeline_code": "sales", "stage_code": "discovery", "value": "10.00"},
        headers=auth("anna"),
    )

    assert refusal(await leads.http.delete(f"/leads/{lead['id']}", headers=auth("piotr"))) == (
        403,
        "not_your_lead",
        "salesperson_id",
    )
    assert (
        await leads.http.delete(f"/leads/{lead['id']}", headers={**auth("anna"), "If-Match": '"9"'})
    ).status_code == 412
    deleted = await leads.http.delete(f"/leads/{lead['id']}", headers={**auth("anna"), "If-Match": '"1"'})

    assert deleted.status_code == 204, deleted.text
    assert (await leads.http.get(f"/leads/{lead['id']}", headers=auth("anna"))).status_code == 404
    assert (await leads.http.delete(f"/leads/{lead['id']}", headers=auth("anna"))).status_code == 404
    async with leads.runtime.sessions() as session:
        actions = (
            await session.execute(
                select(lead_history.c.action)
                .where(lead_history.c.lead_id == uuid.UUID(lead["id"]))
                .order_by(lead_history.c.id)
            )
        ).scalars()
        assert list(actions) == ["created", "deal_added", "deleted"]
    [event] = await published(kafka, namespace, LeadDeletedV1, lead["id"])
    assert isinstance(event, LeadDeletedV1)
    assert event.deleted_by == "anna"


async def test_a_manager_deletes_any_lead(leads: RunningService) -> None:
    lead = await create(leads)

    assert (await leads.http.delete(f"/leads/{lead['id']}", headers=auth("marta"))).status_code == 204


# --- merge -------------------------------------------------------------------------------------


async def test_merging_moves_links_history_deals_and_tags_to_the_survivor_and_removes_the_other(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    survivor = await create(leads, name="Office fit-out", phone=CALLER, tags=["vip"], probability=40)
    merged = await create(leads, user="piotr", name="Duplicate", phone=CALLER, tags=["hot"], probability=90)
    await leads.http.patch(f"/leads/{merged['id']}", json={"description": "Called twice"}, headers=auth("piotr"))
    deal = (
        await leads.http.post(
            f"/leads/{merged['id']}/deals",
            json={"name": "Racking", "pipeline_code": "sales", "stage_code": "negotiation", "value": "48000.00"},
            headers=auth("piotr"),
        )
    ).json()
    call_id = await link_a_call(kafka, namespace, leads, merged["id"])

    response = await leads.http.post(
        f"/leads/{survivor['id']}/merge",
        json={"merged_lead_id": merged["id"]},
        headers={**auth("marta"), "If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    after = response.json()
    assert (after["name"], after["probability"], after["tags"], after["salesperson_id"]) == (
        "Office fit-out",
        40,
        ["hot", "vip"],
        "anna",
    )
    assert response.headers["ETag"] == '"2"'
    assert (await leads.http.get(f"/leads/{merged['id']}", headers=auth("marta"))).status_code == 404
    card = (await leads.http.get(f"/leads/{survivor['id']}/card", headers=auth("marta"))).json()
    assert [(item["kind"], item["id"]) for item in card["communications"]] == [("call", call_id)]
    assert [(d["id"], d["name"]) for d in card["deals"]] == [(deal["id"], "Racking")]
    assert [(h["action"], h["by"], h["merged_from_lead_id"]) for h in card["history"]] == [
        ("created", "anna", None),
        ("created", "piotr", merged["id"]),
        ("updated", "piotr", merged["id"]),
        ("deal_added", "piotr", merged["id"]),
        ("merged", "marta", None),
    ]
    assert card["history"][-1]["changes"] == [
        {"field": "merged_lead", "old": None, "new": {"id": merged["id"], "name": "Duplicate"}},
        {"field": "tags", "old": ["vip"], "new": ["hot", "vip"]},
    ]
    [event] = await published(kafka, namespace, LeadMergedV1, merged["id"])
    assert isinstance(event, LeadMergedV1)
    assert (str(event.survivor_id), event.merged_by) == (survivor["id"], "marta")

    # communications re-attaches the call only after it hears of the merge: the link stays with the survivor
    async with GatewayProducer(kafka.bootstrap, namespace) as producer:
        await producer.publish(call_attached(uuid.uuid4(), uuid.UUID(merged["id"])))

    async def two_calls() -> bool:
        card = (await leads.http.get(f"/leads/{survivor['id']}/card", headers=auth("marta"))).json()
        return len(card["communications"]) == 2

    await eventually(two_calls, what="a late call of the merged lead landed on the survivor")


async def test_the_survivor_keeps_the_merged_leads_phone_and_email_where_duplicates_still_find_them(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    survivor = await create(leads, phone=CALLER, email="jan@example.com")
    merged = await create(leads, user="piotr", name="Duplicate", phone="+48 602 000 000", email="Biuro@Kowalski.pl")

    response = await leads.http.post(
        f"/leads/{survivor['id']}/merge",
        json={"merged_lead_id": merged["id"]},
        headers={**auth("marta"), "If-Match": '"1"'},
    )

    assert response.status_code == 200, response.text
    gained = [
        {"kind": "phone", "value": "+48602000000", "from_lead_id": merged["id"]},
        {"kind": "email", "value": "biuro@kowalski.pl", "from_lead_id": merged["id"]},
    ]
    assert response.json()["extra_contacts"] == gained
    assert (await leads.http.get(f"/leads/{survivor['id']}", headers=auth("anna"))).json()["extra_contacts"] == gained
    for contact in ({"phone": "602-000-000"}, {"email": "BIURO@kowalski.pl"}):
        duplicates = (await create(leads, name="Another enquiry", **contact))["likely_duplicates"]
        assert [d["id"] for d in duplicates] == [survivor["id"]], contact
    [update] = await published(kafka, namespace, LeadUpdatedV1, survivor["id"])
    assert isinstance(update, LeadUpdatedV1)
    assert [(c.field, c.old, c.new) for c in update.changes] == [("extra_contacts", [], gained)]


async def test_merging_is_refused_naming_the_rule_and_the_field(leads: RunningService) -> None:
    survivor, other = await create(leads), await create(leads)

    async def merge(into: str, merged_id: str, user: str = "marta") -> httpx.Response:
        return await leads.http.post(f"/leads/{into}/merge", json={"merged_lead_id": merged_id}, headers=auth(user))

    assert refusal(await merge(survivor["id"], other["id"], user="anna")) == (403, "merge_requires_manager", None)
    assert refusal(await merge(survivor["id"], survivor["id"])) == (422, "merge_into_itself", "merged_lead_id")
    assert refusal(await merge(survivor["id"], str(uuid.uuid4()))) == (404, "lead_not_found", "merged_lead_id")
    assert refusal(await merge(str(uuid.uuid4()), other["id"]))[:2] == (404, "lead_not_found")
    assert (await leads.http.get(f"/leads/{other['id']}", headers=auth("marta"))).status_code == 200


# --- deals -------------------------------------------------------------------------------------


async def test_deals_are_added_changed_and_removed_by_whoever_may_change_the_lead(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    lead = await create(leads, currency="EUR")
    deals_url = f"/leads/{lead['id']}/deals"

    added = await leads.http.post(
        deals_url,
        json={"name": "Racking", "pipeline_code": "sales", "stage_code": "discovery", "value": "48000.50"},
        headers=auth("anna"),
    )

    assert added.status_code == 201, added.text
    deal = added.json()
    assert (deal["stage_code"], deal["value"], deal["currency"]) == ("discovery", "48000.50", "EUR")
    assert added.headers["Location"] == f"{deals_url}/{deal['id']}"
    changed = await leads.http.patch(f"{deals_url}/{deal['id']}", json={"stage_code": "closing"}, headers=auth("anna"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["stage_code"] == "closing"
    assert (await leads.http.get(deals_url, headers=auth("piotr"))).json() == [changed.json()]
    assert (await leads.http.delete(f"{deals_url}/{deal['id']}", headers=auth("marta"))).status_code == 204
    assert (await leads.http.get(deals_url, headers=auth("anna"))).json() == []

    history = (await leads.http.get(f"/leads/{lead['id']}/history", headers=auth("anna"))).json()
    assert [h["action"] for h in history] == ["created", "deal_added", "deal_stage_changed", "deal_removed"]
    assert history[2]["changes"] == [{"field": f"deals[{deal['id']}].stage_code", "old": "discovery", "new": "closing"}]
    announced = await published(kafka, namespace, LeadDealChangedV1, lead["id"], lambda events: len(events) >= 3)
    assert [(e.change, e.stage_code, e.value, e.changed_by) for e in announced if isinstance(e, LeadDealChangedV1)] == [
        ("added", "discovery", Decimal("48000.50"), "anna"),
        ("changed", "closing", Decimal("48000.50"), "anna"),
        ("removed", "closing", Decimal("48000.50"), "marta"),
    ]


async def test_deals_breaking_a_rule_are_refused_naming_the_field(leads: RunningService) -> None:
    lead = await create(leads)
    deals_url = f"/leads/{lead['id']}/deals"
    await arrange(
        leads,
        insert(reference_items).values(kind="pipeline", code="service", name="Service", sort_order=0, archived=False),
        insert(reference_items).values(
            kind="stage", code="visit", name="Site visit", sort_order=0, parent_code="service", archived=False
        ),
    )
    valid = {"name": "Racking", "pipeline_code": "sales", "stage_code": "discovery", "value": "1.00"}

    cases: list[tuple[dict[str, Any], str, int, str, str]] = [
        ({"pipeline_code": "nope"}, "anna", 422, "unknown_pipeline", "pipeline_code"),
        ({"stage_code": "nope"}, "anna", 422, "unknown_stage", "stage_code"),
        ({"stage_code": "visit"}, "anna", 422, "stage_not_in_pipeline", "stage_code"),
        ({"value": "-1.00"}, "anna", 422, "negative_value", "value"),
        ({"currency": "euro"}, "anna", 422, "string_pattern_mismatch", "currency"),
        ({"colour": "red"}, "anna", 422, "extra_forbidden", "colour"),
        ({}, "piotr", 403, "not_your_lead", "salesperson_id"),
    ]
    for changes, user, status, rule, field in cases:
        response = await leads.http.post(deals_url, json={**valid, **changes}, headers=auth(user))
        assert response.status_code == status, (changes, response.text)
        assert {(e["rule"], e["field"]) for e in response.json()["errors"]} == {(rule, field)}, changes

    deal = (await leads.http.post(deals_url, json=valid, headers=auth("anna"))).json()
    patched = await leads.http.patch(
        f"{deals_url}/{deal['id']}", json={"pipeline_code": "service"}, headers=auth("anna")
    )
    assert refusal(patched) == (422, "stage_not_in_pipeline", "stage_code")
    # A deal always has a value: the document says it is not nullable, and the request is refused as invalid.
    assert refusal(await leads.http.patch(f"{deals_url}/{deal['id']}", json={"value": None}, headers=auth("anna"))) == (
        422,
        "validation",
        "value",
    )
    moved = await leads.http.patch(
        f"{deals_url}/{deal['id']}", json={"pipeline_code": "service", "stage_code": "visit"}, headers=auth("anna")
    )
    assert moved.status_code == 200, moved.text
    assert (await leads.http.patch(f"{deals_url}/{uuid.uuid4()}", json={}, headers=auth("anna"))).status_code == 404
    assert (await leads.http.get(f"/leads/{uuid.uuid4()}/deals", headers=auth("anna"))).status_code == 404


# --- the card ----------------------------------------------------------------------------------


async def test_the_card_has_every_field_the_partner_history_deals_and_links(
    leads: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    partner_id = uuid.uuid4()
    await arrange(
        leads,
        insert(partners).values(
            id=partner_id, name="Kowalski sp. z o.o.", tax_id="8971234567", city="Wrocław", country="PL", version=1
        ),
    )
    lead = await create(leads, partner_id=str(partner_id), phone=CALLER, email="jan@example.com", tags=["vip"])
    deal = (
        await leads.http.post(
            f"/leads/{lead['id']}/deals",
            json={"name": "Racking", "pipeline_code": "sales", "stage_code": "discovery", "value": "10.00"},
            headers=auth("anna"),
        )
    ).json()
    call_id = await link_a_call(kafka, namespace, leads, lead["id"])

    response = await leads.http.get(f"/leads/{lead['id']}/card", headers=auth("anna"))

    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"1"'
    card = response.json()
    lead_fields = {k: v for k, v in lead.items() if k not in ("likely_duplicates", "deal")}
    assert {k: card[k] for k in lead_fields} == lead_fields
    assert card["partner"] == {
        "id": str(partner_id),
        "name": "Kowalski sp. z o.o.",
        "tax_id": "8971234567",
        "contact_person": None,
        "phone": None,
        "email": None,
        "city": "Wrocław",
        "country": "PL",
    }
    assert [h["action"] for h in card["history"]] == ["created", "deal_added"]
    assert card["deals"] == [{**deal, "pipeline_name": "Sales", "stage_name": "Discovery"}]  # the lead card: stages
    assert card["contact"] is None
    assert card["communications"] == [
        {
            "kind": "call",
            "id": call_id,
            "label": CALL_LABEL,
            "linked_at": AT.isoformat().replace("+00:00", "Z"),
            "call": None,  # what communications' call events said of it: none came in this test
        }
    ]
    assert card["documents"] == []


async def test_the_card_says_which_actions_the_user_may_take_and_why_not(leads: RunningService) -> None:
    lead = await create(leads, email="jan@example.com")
    without_email = await create(leads)

    async def actions(lead_id: str, user: str) -> dict[str, Any]:
        found: dict[str, Any] = (await leads.http.get(f"/leads/{lead_id}/card", headers=auth(user))).json()["actions"]
        return found

    allowed = {"allowed": True, "reason": None}
    not_yours = {"allowed": False, "reason": "a salesperson may change only their own leads"}
    assert await actions(lead["id"], "anna") == {
        "lost": allowed,
        "create_order": {"allowed": False, "reason": "the order type parameter is not set"},
        "create_invoice": {"allowed": False, "reason": "the invoice type parameter is not set"},
        "write_email": allowed,
    }

    await arrange(
        leads,
        update(settings).where(settings.c.key == "order_type").values(value="ZS"),
        update(settings).where(settings.c.key == "invoice_type").values(value="FV"),
    )
    assert await actions(lead["id"], "anna") == dict.fromkeys(
        ("lost", "create_order", "create_invoice", "write_email"), allowed
    )
    assert await actions(lead["id"], "piotr") == {
        "lost": not_yours,
        "create_order": not_yours,
        "create_invoice": not_yours,
        "write_email": not_yours,
    }
    assert (await actions(without_email["id"], "marta"))["write_email"] == {
        "allowed": False,
        "reason": "the lead has no e-mail address",
    }

    await leads.http.post(f"/leads/{lead['id']}/lost", json={"lost_reason_code": "price"}, headers=auth("anna"))
    lost = (await actions(lead["id"], "anna"))["lost"]
    assert not lost["allowed"]
    assert "already closed" in lost["reason"]

    await arrange(leads, update(statuses).values(lost=False))
    assert (await actions(without_email["id"], "anna"))["lost"] == {
        "allowed": False,
        "reason": "no status is flagged lost; a manager has to configure one first",
    }
    assert (await leads.http.get(f"/leads/{uuid.uuid4()}/card", headers=auth("anna"))).status_code == 404
