"""Two replicas of a service taking requests at once on one PostgreSQL database, as behind a Kubernetes Service:
each user's kanban order, document numbers and idempotency keys hold as with one."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.integration.documents import CONCURRENT_CREATES, a_lead, publish, setting, settings_known
from tests.support.integration.replicas import Replicas, two_replicas
from tests.support.kafka import LocalKafka
from tests.support.services import auth

pytestmark = pytest.mark.kafka


@pytest.fixture
async def leads(kafka: LocalKafka, namespace: str, postgres_database_url: str) -> AsyncIterator[Replicas]:
    async with two_replicas("leads", kafka, namespace, postgres_database_url) as replicas:
        yield replicas


@pytest.fixture
async def documents(kafka: LocalKafka, namespace: str, postgres_database_url: str) -> AsyncIterator[Replicas]:
    async with two_replicas("documents", kafka, namespace, postgres_database_url) as replicas:
        yield replicas


@pytest.fixture
async def lead_id(documents: Replicas, kafka: LocalKafka, namespace: str) -> str:
    """A lead documents has copied, once the order type is set: orders can be made from it."""
    await publish(kafka, namespace, setting("order_type", "ZS"))
    await settings_known(documents[0], order_type="ZS")
    return await a_lead(kafka, namespace, documents[0])


@dataclass(frozen=True)
class Move:
    card: str
    neighbour: str
    after: bool  # dropped right below the neighbour, else right above it

    def body(self) -> dict[str, str]:
        return {"status_code": "new", ("after_lead_id" if self.after else "before_lead_id"): self.neighbour}

    def applied_to(self, order: list[str]) -> list[str]:
        rest = [card for card in order if card != self.card]
        at = rest.index(self.neighbour) + (1 if self.after else 0)
        return [*rest[:at], self.card, *rest[at:]]


CARDS = 8
ROUNDS = 6
MOVES_AT_ONCE = 5


async def test_one_users_moves_through_two_replicas_at_once_keep_an_order_some_sequence_of_them_gives(
    leads: Replicas,
) -> None:
    """Each round drops cards concurrently, one request to one replica and the next to the other; whatever
    order the requests take, the column must read as if they had come one after another."""
    anna = auth("anna")
    created = [
        await leads[0].http.post("/leads", json={"name": f"Card {n}", "status_code": "new"}, headers=anna)
        for n in range(CARDS)
    ]
    assert all(response.status_code == 201 for response in created), [r.text for r in created]
    rng = random.Random(9)
    for _ in range(ROUNDS):
        before = await _column(leads[0].http)
        moves = [
            Move(card, rng.choice([c for c in before if c != card]), rng.random() < 0.5)
            for card in rng.sample(before, MOVES_AT_ONCE)
        ]
        answers = await asyncio.gather(
            *(
                leads[n % 2].http.post(f"/kanban/cards/{move.card}/move", json=move.body(), headers=anna)
                for n, move in enumerate(moves)
            )
        )
        assert [a.status_code for a in answers] == [200] * MOVES_AT_ONCE, [a.text for a in answers]
        after = await _column(leads[1].http)
        assert after in _serial_outcomes(before, moves), f"{before} + {moves} gave {after}"


def _serial_outcomes(order: list[str], moves: Sequence[Move]) -> list[list[str]]:
    outcomes = []
    for sequence in itertools.permutations(moves):
        result = order
        for move in sequence:
            result = move.applied_to(result)
        outcomes.append(result)
    return outcomes


async def _column(http: httpx.AsyncClient) -> list[str]:
    response = await http.get("/kanban/columns/new/cards", params={"limit": 100}, headers=auth("anna"))
    assert response.status_code == 200, response.text
    return [card["id"] for card in response.json()["items"]]


async def test_orders_made_through_two_replicas_at_once_are_numbered_without_gaps_or_repeats(
    documents: Replicas, lead_id: str
) -> None:

    responses = await asyncio.gather(
        *(
            documents[n % 2].http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))
            for n in range(CONCURRENT_CREATES)
        )
    )

    assert [r.status_code for r in responses] == [201] * CONCURRENT_CREATES, [r.text for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    year = numbers[0].split("/")[1]
    assert numbers == [f"ZS/{year}/{n:06d}" for n in range(1, CONCURRENT_CREATES + 1)]


async def test_one_idempotency_key_sent_to_both_replicas_at_once_makes_one_order(
    documents: Replicas, lead_id: str
) -> None:
    made = await _one_key_at_both(documents, f"/leads/{lead_id}/orders", None)

    other = await documents[1].http.post(f"/leads/{lead_id}/orders", headers=auth("anna"))
    assert other.json()["number"].endswith("/000002"), "the refused tries gave their numbers back"
    assert len(made) == 1


async def test_one_idempotency_key_sent_to_both_replicas_at_once_makes_one_lead(leads: Replicas) -> None:
    name = f"Retried on both {uuid.uuid4().hex[:8]}"

    made = await _one_key_at_both(leads, "/leads", {"name": name})

    listed = (await leads[0].http.get("/leads", params={"q": name}, headers=auth("anna"))).json()["items"]
    assert [lead["id"] for lead in listed] == list(made)


async def _one_key_at_both(replicas: Replicas, path: str, body: dict[str, Any] | None) -> set[str]:
    """Six tries of one create with one key, half on each replica at once, then a retry on each: one thing made,
    every answer but the in-flight refusals the first one. Returns the id of what was made."""
    retry = {**auth("anna"), "Idempotency-Key": f"both-{uuid.uuid4()}"}

    responses = await asyncio.gather(*(replicas[n % 2].http.post(path, json=body, headers=retry) for n in range(6)))

    codes = sorted(response.status_code for response in responses)
    assert set(codes) <= {201, 409}, codes  # 409: raced the first while it was uncommitted; retried, the first answer
    assert all(r.json()["type"].endswith("idempotency_key_in_flight") for r in responses if r.status_code == 409)
    made = {response.json()["id"] for response in responses if response.status_code == 201}
    assert len(made) == 1
    retried = [await replica.http.post(path, json=body, headers=retry) for replica in replicas]
    assert {(r.status_code, r.json()["id"]) for r in retried} == {(201, *made)}, "either replica answers the first"
    return made
