"""Orders and invoices on the real broker, on SQLite and PostgreSQL: made over HTTP from lead copies that lead
events keep, numbered without gaps or duplicates under concurrent requests, announced on their topics, and
listed on the leads service's card."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from leadline.contracts.platform.auth import Principal, Role
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import OrderCreatedV1
from leadline.contracts.wire.topics import ORDER
from leadline.documents.service import documents as use_cases
from tests.support.integration.documents import CONCURRENT_CREATES, a_lead, publish, setting, settings_known
from tests.support.kafka import LocalKafka, headers_of, read_until
from tests.support.races import contended
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

ANNA = Principal("anna", "Anna Nowak", frozenset({Role.SALESPERSON}))
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture
async def documents(kafka: LocalKafka, namespace: str, database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "documents", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


def refusal(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()["type"].removeprefix("urn:leadline:problem:")


async def test_concurrent_orders_get_consecutive_numbers_and_each_is_announced(
    documents: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    await publish(kafka, namespace, setting("order_type", "ZS"))
    await settings_known(documents, order_type="ZS")
    lead_id = await a_lead(kafka, namespace, documents)

    responses = await asyncio.gather(
        *(documents.http.post(f"/leads/{lead_id}/orders", headers=auth("anna")) for _ in range(CONCURRENT_CREATES))
    )

    assert [response.status_code for response in responses] == [201] * CONCURRENT_CREATES
    year = datetime.now(UTC).year
    numbers = sorted(response.json()["number"] for response in responses)
    assert numbers == [f"ZS/{year}/{n:06d}" for n in range(1, CONCURRENT_CREATES + 1)]
    records = await read_until(kafka.bootstrap, ORDER, namespace, lambda found: len(found) >= CONCURRENT_CREATES)
    events = [Envelope.from_kafka(list(record.headers), record.value or b"").open() for record in records]
    assert all(isinstance(event, OrderCreatedV1) for event in events)
    assert sorted(event.number for event in events if isinstance(event, OrderCreatedV1)) == numbers
    assert {headers_of(record)["ce_type"] for record in records} == {OrderCreatedV1.type}
    assert {record.key for record in records} == {response.json()["id"].encode() for response in responses}


async def test_an_order_and_its_invoice_over_http(documents: RunningService, kafka: LocalKafka, namespace: str) -> None:
    await publish(kafka, namespace, setting("order_type", "ZS"), setting("invoice_type", None))
    await settings_known(documents, order_type="ZS", invoice_type=None)
    lead_id = await a_lead(kafka, namespace, documents)

    created = await documents.http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))
    assert created.status_code == 201, created.text
    order: dict[str, Any] = created.json()
    assert created.headers["Location"] == f"/orders/{order['id']}"
    assert (order["status"], order["amount"], order["currency"], order["lead"]) == (
        "draft",
        "1500.00",
        "PLN",
        {"lead_id": lead_id, "name": "Printer lease", "deleted": False},
    )
    assert order["delivery_address"] == {
        "street": "ul. Długa 5",
        "city": "Gdańsk",
        "postal_code": "80-001",
        "country": "PL",
    }
    assert order["lines"] == [{"product_code": "printer", "description": "printer", "amount": "1500.00"}]

    # Refusals name their rule.
    assert refusal(await documents.http.post(f"/orders/{order['id']}/invoices", headers=auth("anna"))) == (
        422,
        "invoice_type_not_set",
    )
    assert refusal(await documents.http.post(f"/leads/{lead_id}/orders", headers=auth("piotr"))) == (
        403,
        "not_your_lead",
    )
    assert refusal(await documents.http.post(f"/leads/{uuid.uuid4()}/orders", headers=auth("marta"))) == (
        404,
        "lead_not_found",
    )
    assert (await documents.http.post(f"/leads/{lead_id}/orders")).status_code == 401

    # Confirm with the ETag; a stale one is 412, a move the status does not allow 409.
    etag = (await documents.http.get(f"/orders/{order['id']}", headers=auth("anna"))).headers["ETag"]
    confirmed = await documents.http.post(f"/orders/{order['id']}/confirm", headers={**auth("anna"), "If-Match": etag})
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    stale = await documents.http.post(f"/orders/{order['id']}/cancel", headers={**auth("anna"), "If-Match": etag})
    assert refusal(stale) == (412, "stale_version")
    assert refusal(await documents.http.post(f"/orders/{order['id']}/confirm", headers=auth("anna"))) == (
        409,
        "order_confirmed_cannot_become_confirmed",
    )

    # The invoice, once its type is set; a retry with the same Idempotency-Key makes no second one.
    await publish(kafka, namespace, setting("invoice_type", "FV"))
    await settings_known(documents, invoice_type="FV")
    first = await documents.http.post(
        f"/orders/{order['id']}/invoices", headers={**auth("anna"), "Idempotency-Key": "k-1"}
    )
    assert first.status_code == 201, first.text
    invoice = first.json()
    retried = await documents.http.post(
        f"/orders/{order['id']}/invoices", headers={**auth("anna"), "Idempotency-Key": "k-1"}
    )
    assert (retried.status_code, retried.json()) == (201, invoice)  # the first answer again
    assert (invoice["order_id"], invoice["lines"], invoice["number"][:3]) == (order["id"], order["lines"], "FV/")
    assert (await documents.http.get(f"/orders/{order['id']}", headers=auth("anna"))).json()["invoice_ids"] == [
        invoice["id"]
    ]
    assert refusal(await documents.http.delete(f"/orders/{order['id']}", headers=auth("anna"))) == (
        409,
        "order_not_draft",
    )
    for action, status in (("issue", "issued"), ("pay", "paid")):
        moved = await documents.http.post(f"/invoices/{invoice['id']}/{action}", headers=auth("anna"))
        assert (moved.status_code, moved.json()["status"]) == (200, status)
    assert refusal(await documents.http.delete(f"/invoices/{invoice['id']}", headers=auth("marta"))) == (
        409,
        "invoice_not_draft",
    )

    listed = (await documents.http.get(f"/leads/{lead_id}/documents", headers=auth("piotr"))).json()
    assert [(item["kind"], item["status"]) for item in listed] == [("order", "confirmed"), ("invoice", "paid")]


async def test_lists_page_newest_first_with_a_cursor(
    documents: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    await publish(kafka, namespace, setting("order_type", "ZS"))
    await settings_known(documents, order_type="ZS")
    lead_id = await a_lead(kafka, namespace, documents)
    made = [
        (await documents.http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))).json()["id"] for _ in range(5)
    ]

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await documents.http.get("/orders", params=params, headers=auth("piotr"))).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == list(reversed(made))
    assert refusal(await documents.http.get("/orders", params={"cursor": "nonsense"}, headers=auth("anna")))[0] == 422
    assert (await documents.http.get("/invoices", headers=auth("anna"))).json() == {"items": [], "next_cursor": None}


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, other_database_url: str) -> AsyncIterator[RunningService]:
    async with running_service(
        "leads", database_url=other_database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


async def test_an_order_made_from_a_lead_shows_on_its_card_and_keeps_it_from_deletion(
    leads: RunningService, documents: RunningService
) -> None:
    marta, anna = auth("marta"), auth("anna")
    assert (await leads.http.put("/settings/order_type", json={"value": "ZS"}, headers=marta)).status_code == 200
    product = {"code": "printer", "name": "Office printer", "sort_order": 10}
    assert (await leads.http.post("/reference/product", json=product, headers=marta)).status_code == 201
    lead = await leads.http.post(
        "/leads",
        json={"name": "Printer lease", "product_code": "printer", "expected_revenue": "1500.00", "city": "Gdańsk"},
        headers=anna,
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]

    async def made() -> dict[str, Any] | None:
        response = await documents.http.post(f"/leads/{lead_id}/orders", headers=anna)
        return response.json() if response.status_code == 201 else None  # until the lead and setting arrive

    order = await eventually(made, what="documents made an order from the lead")
    assert (order["lines"][0]["description"], order["delivery_address"]["city"]) == ("Office printer", "Gdańsk")

    async def on_card() -> list[Any]:
        card = (await leads.http.get(f"/leads/{lead_id}/card", headers=anna)).json()
        return [item for item in card["documents"] if item["id"] == order["id"]]

    [listed] = await eventually(on_card, what="the lead card lists the order")
    assert listed["kind"] == "order"
    assert listed["label"] == f"{order['number']}, {order['document_date']}, draft, ZS, 1500.00 PLN"
    assert listed["document"] == {
        "number": order["number"],
        "document_date": order["document_date"],
        "status": "draft",
        "type_code": "ZS",
        "amount": "1500.00",
        "currency": "PLN",
    }
    refused = await leads.http.delete(f"/leads/{lead_id}", headers=marta)
    assert (refused.status_code, refused.json()["links"][0]["id"]) == (409, order["id"])

    # Deleting the unused draft unlinks it, and the lead can go.
    assert (await documents.http.delete(f"/orders/{order['id']}", headers=anna)).status_code == 204

    async def deleted() -> bool:
        return (await leads.http.delete(f"/leads/{lead_id}", headers=marta)).status_code == 204

    await eventually(deleted, what="the deleted order no longer keeps the lead")


async def a_confirmed_order(documents: RunningService, kafka: LocalKafka, namespace: str) -> dict[str, Any]:
    await publish(kafka, namespace, setting("order_type", "ZS"), setting("invoice_type", "FV"))
    await settings_known(documents, order_type="ZS", invoice_type="FV")
    lead_id = await a_lead(kafka, namespace, documents)
    order: dict[str, Any] = (await documents.http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))).json()
    refused = await documents.http.post(f"/orders/{order['id']}/invoices", headers=auth("anna"))
    assert refusal(refused) == (409, "order_not_confirmed")
    confirmed = await documents.http.post(f"/orders/{order['id']}/confirm", headers=auth("anna"))
    assert confirmed.status_code == 200, confirmed.text
    return order


async def test_an_order_is_invoiced_once_until_that_invoice_is_cancelled(
    documents: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    order = await a_confirmed_order(documents, kafka, namespace)
    invoices = f"/orders/{order['id']}/invoices"

    first = await documents.http.post(invoices, headers=auth("anna"))
    assert first.status_code == 201, first.text
    assert refusal(await documents.http.post(invoices, headers=auth("anna"))) == (409, "order_already_invoiced")
    issued = await documents.http.post(f"/invoices/{first.json()['id']}/issue", headers=auth("anna"))
    assert issued.status_code == 200, issued.text
    cancel_order = f"/orders/{order['id']}/cancel"
    assert refusal(await documents.http.post(cancel_order, headers=auth("anna"))) == (409, "order_invoiced")
    assert (
        await documents.http.post(f"/invoices/{first.json()['id']}/cancel", headers=auth("anna"))
    ).status_code == 200
    second = await documents.http.post(invoices, headers=auth("anna"))
    assert second.status_code == 201, second.text
    assert second.json()["number"] == first.json()["number"][:-6] + "000002"


async def test_an_invoice_asked_for_while_another_is_made_waits_for_it_and_is_refused(
    documents: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    order = await a_confirmed_order(documents, kafka, namespace)
    order_id = uuid.UUID(order["id"])

    async with documents.runtime.unit_of_work() as making:
        await use_cases.invoice_order(making, order_id, ANNA, time_zone=WARSAW)
        second = await contended(
            documents.runtime.sessions, documents.http.post(f"/orders/{order_id}/invoices", headers=auth("anna"))
        )
        cancel = await contended(
            documents.runtime.sessions, documents.http.post(f"/orders/{order_id}/cancel", headers=auth("anna"))
        )
        await making.commit()

    assert refusal(await second) == (409, "order_already_invoiced")
    assert refusal(await cancel) == (409, "order_invoiced")


async def test_concurrent_retries_with_one_idempotency_key_make_one_order_and_use_one_number(
    documents: RunningService, kafka: LocalKafka, namespace: str
) -> None:
    await publish(kafka, namespace, setting("order_type", "ZS"))
    await settings_known(documents, order_type="ZS")
    lead_id = await a_lead(kafka, namespace, documents)
    retry = {**auth("anna"), "Idempotency-Key": f"retry-{lead_id}"}

    responses = await asyncio.gather(
        *(documents.http.post(f"/leads/{lead_id}/orders", headers=retry) for _ in range(6))
    )

    # SQLite runs them one after another (the first answer, then the same again); on PostgreSQL a try that
    # raced the first is refused with 409 instead, and a retry of it then gets the first's answer.
    codes = sorted(response.status_code for response in responses)
    assert set(codes) <= {201, 409}, codes
    made = {response.json()["id"] for response in responses if response.status_code == 201}
    assert len(made) == 1
    conflicts = [response for response in responses if response.status_code == 409]
    assert all(refusal(response) == (409, "idempotency_key_in_flight") for response in conflicts)
    again = await documents.http.post(f"/leads/{lead_id}/orders", headers=retry)
    assert (again.status_code, again.json()["id"]) == (201, made.pop())
    other = await documents.http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))
    assert other.json()["number"].endswith("/000002")  # the refused tries gave their numbers back
