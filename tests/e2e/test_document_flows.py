"""Orders and invoices from outside, the services as processes: a manager sets the document types in leads,
a salesperson makes an order and its invoice in documents, and the lead card in leads follows them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.services import auth
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]


async def test_an_order_and_its_invoice_show_on_the_lead_card_as_they_move(stack: Stack) -> None:
    leads, documents = stack.url("leads"), stack.url("documents")
    anna, marta = auth("anna"), auth("marta")
    async with httpx.AsyncClient() as sales_app:
        for key, value in (("order_type", "ZS"), ("invoice_type", "FV")):
            response = await sales_app.put(f"{leads}/settings/{key}", json={"value": value}, headers=marta)
            assert response.status_code == 200, response.text
        created = await sales_app.post(
            f"{leads}/leads",
            # Not in "new": the stack is shared, and test_lead_flows counts the leads in "new".
            json={"name": "Conference room AV", "expected_revenue": "8400.00", "status_code": "qualification"},
            headers=anna,
        )
        assert created.status_code == 201, created.text
        lead_id = created.json()["id"]

        async def made_order() -> dict[str, Any] | None:
            # Documents learn of the lead and the settings from the leads topics, a moment later.
            order = await sales_app.post(
                f"{documents}/leads/{lead_id}/orders", headers={**anna, "Idempotency-Key": f"order-{lead_id}"}
            )
            return dict(order.json()) if order.status_code in (200, 201) else None

        order = await eventually(made_order, what="documents made an order")
        confirmed = await sales_app.post(f"{documents}/orders/{order['id']}/confirm", headers=anna)
        assert confirmed.status_code == 200, confirmed.text  # only a confirmed order is invoiced
        made = await sales_app.post(f"{documents}/orders/{order['id']}/invoices", headers=anna)
        assert made.status_code == 201, made.text
        invoice = made.json()
        issued = await sales_app.post(f"{documents}/invoices/{invoice['id']}/issue", headers=anna)
        assert issued.status_code == 200, issued.text

        async def card_shows_both() -> dict[str, str] | None:
            card = (await sales_app.get(f"{leads}/leads/{lead_id}/card", headers=anna)).json()
            labels = {item["id"]: item["label"] for item in card["documents"]}
            return labels if ", issued, " in labels.get(invoice["id"], "") and order["id"] in labels else None

        labels = await eventually(card_shows_both, what="the lead card lists the order and the issued invoice")
        assert labels[order["id"]].startswith(f"{order['number']}, {order['document_date']}, confirmed, ZS, ")
        refused = await sales_app.delete(f"{leads}/leads/{lead_id}", headers=marta)
        assert refused.status_code == 409
        assert {item["id"] for item in refused.json()["links"]} == {order["id"], invoice["id"]}
