"""The chaos run's steady load, as the outside world makes it: a telephony and a mail gateway publishing to
Kafka (acks=all, retrying with the same ce_id), and a sales app creating leads and moving them over HTTP on
whichever replica answers, retrying what it may repeat (a create with its Idempotency-Key, a move to a status).
It writes down what it sent and what was acknowledged: the checker's only knowledge of the load."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallReceivedV1, EmailReceivedV1, Event, Mailbox
from tests.support.services import auth

# Open statuses of the sale type, in the order a lead is moved through them (then back to the start).
STATUSES = ("new", "qualification", "proposal")
# A request that got no answer however often it was tried: it may or may not have been applied.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Rates:
    """Operations per second of each kind."""

    calls: float = 8.0
    emails: float = 4.0
    lead_creates: float = 3.0
    lead_moves: float = 2.0


# The sales team the app's users are: each creates leads for themselves and moves their own cards.
SALESPEOPLE = ("anna", "piotr")


@dataclass
class LeadLog:
    name: str
    phone: str
    salesperson: str
    status: str = STATUSES[0]  # the status of the last acknowledged move (or creation)
    # Statuses of moves sent after it that were never answered: the lead may be in any of them too.
    maybe: set[str] = field(default_factory=set)
    # Statuses of moves whose answer did not come in time: their replica may still apply them, at any later time.
    late: set[str] = field(default_factory=set)

    def may_be_in(self) -> set[str]:
        return {self.status, *self.maybe, *self.late}


@dataclass
class Ledger:
    """What the load sent and what the system acknowledged."""

    run: str
    started_at: datetime
    calls_sent: set[str] = field(default_factory=set)  # PBX call ids
    calls_acked: set[str] = field(default_factory=set)
    calls_for_lead: dict[str, str] = field(default_factory=dict)  # PBX call id -> id of the lead it calls
    emails_sent: set[str] = field(default_factory=set)  # Message-IDs
    emails_acked: set[str] = field(default_factory=set)
    leads: dict[str, LeadLog] = field(default_factory=dict)  # acknowledged creates, by lead id
    lead_creates_sent: dict[str, str] = field(default_factory=dict)  # name -> 'acked' / 'unknown' / refusal
    moves_acked: int = 0
    moves_unknown: int = 0
    retries: int = 0  # requests tried again after an answer was lost, a 5xx, or a key still in flight
    refusals: list[str] = field(default_factory=list)  # 4xx answers, which a correct load never gets
    server_errors: list[str] = field(default_factory=list)  # 5xx answers (the request may have been applied)

    def summary(self) -> dict[str, Any]:
        return {
            "calls_sent": len(self.calls_sent),
            "calls_acknowledged": len(self.calls_acked),
            "emails_sent": len(self.emails_sent),
            "emails_acknowledged": len(self.emails_acked),
            "lead_creates_sent": len(self.lead_creates_sent),
            "lead_creates_acknowledged": len(self.leads),
            "lead_creates_unanswered": sum(1 for v in self.lead_creates_sent.values() if v == UNKNOWN),
            "moves_acknowledged": self.moves_acked,
            "moves_unanswered": self.moves_unknown,
            "requests_retried": self.retries,
            "refused": len(self.refusals),
            "server_errors": len(self.server_errors),
        }


class LoadGenerator:
    def __init__(
        self,
        *,
        bootstrap: str,
        topic_prefix: str,
        leads_urls: list[str],
        rates: Rates,
        rng: random.Random,
        give_up_after: float = 60.0,
    ) -> None:
        self._bootstrap = bootstrap
        self._prefix = topic_prefix
        self._leads_urls = leads_urls
        self._rates = rates
        self._rng = rng
        self._give_up_after = give_up_after
        self.ledger = Ledger(run=uuid.uuid4().hex[:8], started_at=datetime.now(UTC))
        self._moving: set[str] = set()
        self._sequence = 0

    async def run(self, seconds: float) -> Ledger:
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap, acks="all", enable_idempotence=True, request_timeout_ms=10_000
        )
        await producer.start()
        try:
            # As patient as an app whose user waits on a spinner: beyond that, the answer counts as lost.
            async with httpx.AsyncClient(timeout=30.0) as http:
                pacers = [
                    self._paced(self._rates.calls, seconds, lambda: self._call(producer)),
                    self._paced(self._rates.emails, seconds, lambda: self._email(producer)),
                    self._paced(self._rates.lead_creates, seconds, lambda: self._create_lead(http)),
                    self._paced(self._rates.lead_moves, seconds, lambda: self._move_lead(http)),
                ]
                await asyncio.gather(*pacers)
        finally:
            await producer.stop()
        return self.ledger

    async def _paced(self, rate: float, seconds: float, operation: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Starts ``operation`` ``rate`` times a second whatever the previous ones take (a steady load, as
        clients do not wait for each other), then waits for the last ones."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        running: set[asyncio.Task[None]] = set()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - loop.time()))  # pacing, not synchronisation
            task = asyncio.create_task(operation())
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence

    async def _publish(self, producer: AIOKafkaProducer, event: Event, source: str) -> bool:
        """As a gateway does: the same envelope (same ce_id) again until Kafka acknowledges it, for a while."""
        envelope = Envelope.wrap(event, source=source)
        deadline = asyncio.get_running_loop().time() + self._give_up_after
        while True:
            try:
                await producer.send_and_wait(
                    self._prefix + event.topic.name,
                    envelope.data,
                    key=envelope.subject.encode(),
                    headers=envelope.kafka_headers(),
                )
                return True
            except (KafkaError, TimeoutError):
                if asyncio.get_running_loop().time() > deadline:
                    return False
                await asyncio.sleep(1.0)  # a gateway's retry interval

    async def _call(self, producer: AIOKafkaProducer) -> None:
        n = self._next()
        pbx_call_id = f"chaos-{self.ledger.run}-c{n}"
        leads = list(self.ledger.leads.items())
        if leads and self._rng.random() < 0.3:  # a lead's phone: communications attaches the call to it
            lead_id, lead = self._rng.choice(leads)
            caller = lead.phone
            self.ledger.calls_for_lead[pbx_call_id] = lead_id
        else:
            caller = _phone(self._rng)
        event = CallReceivedV1(
            pbx_call_id=pbx_call_id,
            caller_number=caller,
            called_number="+48717000000",
            extension=self._rng.choice(["100", "200"]),
            received_at=datetime.now(UTC),
        )
        self.ledger.calls_sent.add(pbx_call_id)
        if await self._publish(producer, event, "chaos-pbx"):
            self.ledger.calls_acked.add(pbx_call_id)

    async def _email(self, producer: AIOKafkaProducer) -> None:
        message_id = f"chaos-{self.ledger.run}-m{self._next()}@client.example"
        event = EmailReceivedV1(
            message_id=message_id,
            sender=Mailbox(address=f"client{self._rng.randrange(10**6)}@client.example"),
            to=[Mailbox(address="anna@leadline.example")],
            subject_line="An enquiry",
            sent_at=datetime.now(UTC),
            text_body="Please send an offer.",
        )
        self.ledger.emails_sent.add(message_id)
        if await self._publish(producer, event, "chaos-mail"):
            self.ledger.emails_acked.add(message_id)

    async def _create_lead(self, http: httpx.AsyncClient) -> None:
        name = f"chaos-{self.ledger.run}-L{self._next()}"
        phone = _phone(self._rng)
        salesperson = self._rng.choice(SALESPEOPLE)
        body = {"name": name, "type_code": "sale", "status_code": STATUSES[0], "phone": phone}
        # With its Idempotency-Key a create can be retried whatever became of the first try: one lead at most.
        response = await self._until_answered(http, "POST", "/leads", body, salesperson, key=name)
        if response is None:
            self.ledger.lead_creates_sent[name] = UNKNOWN
        elif response.status_code == 201:
            self.ledger.lead_creates_sent[name] = "acked"
            self.ledger.leads[response.json()["id"]] = LeadLog(name, response.json()["phone"], salesperson)
        else:
            self.ledger.lead_creates_sent[name] = str(response.status_code)
            self.ledger.refusals.append(f"POST /leads {response.status_code}: {response.text[:300]}")

    async def _move_lead(self, http: httpx.AsyncClient) -> None:
        idle = [lead_id for lead_id in self.ledger.leads if lead_id not in self._moving]
        if not idle:
            return
        lead_id = self._rng.choice(idle)
        lead = self.ledger.leads[lead_id]
        target = STATUSES[(STATUSES.index(lead.status) + 1) % len(STATUSES)]
        self._moving.add(lead_id)  # one move of a lead at a time, as one person drags one card
        try:
            # A move names the status it goes to: repeating it changes nothing, so it is retried too.
            path = f"/kanban/cards/{lead_id}/move"
            response = await self._until_answered(http, "POST", path, {"status_code": target}, lead.salesperson, lead)
        finally:
            self._moving.discard(lead_id)
        if response is None:
            self.ledger.moves_unknown += 1
            lead.maybe.add(target)
        elif response.status_code == 200:
            self.ledger.moves_acked += 1
            lead.status, lead.maybe = target, set()
        else:
            self.ledger.refusals.append(f"move {lead_id} {response.status_code}: {response.text[:300]}")

    async def _until_answered(
        self,
        http: httpx.AsyncClient,
        method: str,
        path: str,
        body: dict[str, Any],
        user: str,
        lead: LeadLog | None = None,
        *,
        key: str | None = None,
    ) -> httpx.Response | None:
        """Tries until an answer comes, for a while (as an app retries a request it may repeat); None if none.
        A try that timed out may still be applied later (its replica is alive and has it): ``lead`` notes that."""
        deadline = asyncio.get_running_loop().time() + self._give_up_after
        headers = {**auth(user), **({"Idempotency-Key": key} if key else {})}
        while True:
            try:
                response = await self._request(http, method, path, body, headers)
            except httpx.TimeoutException:
                if lead is not None:
                    lead.late.add(body["status_code"])
                response = None
            in_flight = response is not None and response.status_code == 409 and key is not None
            if response is not None and not in_flight:
                return response
            if asyncio.get_running_loop().time() > deadline:
                return None
            self.ledger.retries += 1
            await asyncio.sleep(1.0)  # an app's pause before it retries

    async def _request(
        self, http: httpx.AsyncClient, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response | None:
        """On one leads replica, or the other when the first refuses the connection (nothing was sent, so
        nothing can have happened); None when the answer was lost or was a 5xx: it may have happened.
        Raises httpx.TimeoutException when no answer came in time: the replica may still apply it."""
        urls = self._rng.sample(self._leads_urls, len(self._leads_urls))
        for attempt in range(20):
            url = urls[attempt % len(urls)]
            try:
                response = await http.request(method, url + path, json=body, headers=headers)
            except httpx.ConnectError:
                await asyncio.sleep(0.5 if attempt % len(urls) == len(urls) - 1 else 0)  # every replica down
                continue
            except httpx.TimeoutException:
                raise
            except httpx.HTTPError:
                return None
            if response.status_code >= 500:
                self.ledger.server_errors.append(f"{method} {path} {response.status_code}: {response.text[:300]}")
                return None
            return response
        return None


def _phone(rng: random.Random) -> str:
    return f"+4860{rng.randrange(10**7):07d}"
