"""Gateway simulator for `make demo`: plays a telephony gateway, a mail gateway and a sales app against `make run`.

1. Anna (salesperson) creates leads over HTTP; phones typed as "+48 601 234 567" or "601-234-567" are stored in E.164.
2. A PBX publishes CallReceivedV1 events to Kafka (plain aiokafka, CloudEvents headers): calls from those leads'
   numbers attach to them by themselves, unknown numbers wait in triage, a call delivered twice is registered once.
3. Marta (manager) makes a lead from a call in triage; the call then attaches to that lead.
4. A mail gateway publishes an e-mail from a new customer (it waits in triage); Anna makes a lead from it, and the
   customer's colleague's reply in the same thread attaches to that lead by itself. A mail server uploads a
   newsletter as an RFC 5322 message (POST /mail/messages); Piotr, to whom it was sent, ignores it.
5. A mailbox (deploy/demo/mailbox.py): an MTA delivers an enquiry over LMTP to communications' mail receiver and
   Anna makes a lead from it; the customer's answer waits in the shared sales@ mailbox on a throw-away Dovecot (when
   installed) and the IMAP connector brings it to the lead by its thread; Anna answers from the lead card through an
   SMTP server the demo runs, and the answer, threaded, is on the card.
6. A PBX reports by webhook instead of Kafka (deploy/demo/pbx_webhooks.py): a Zadarma-compatible PBX a missed call
   from the first lead's number (signed form posts), which lands on Anna's list of missed calls;
7. Anna clicks to call back (a dial request on the gateway command topic), a PBX script reports the call back through
   the generic signed webhook, and it clears the missed call; the calls report counts both.
8. Anna enters a lead with its first deal in one request and moves the deal across the sales pipeline's board, stage
   by stage with If-Match, until it is won; the board's totals and reporting's pipeline reports follow.
9. A summary: the leads, the calls and e-mails with their state and lead, and reporting's leads-by-status counts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError

from deploy.demo.mailbox import demo_mailbox
from deploy.demo.pbx_webhooks import demo_pbx
from leadline.contracts.platform.auth import DEMO_USERS, mint_token
from leadline.contracts.platform.kafka_clients import client_options
from leadline.contracts.platform.settings import LOCAL_JWT_SECRET, KafkaSettings, read_settings
from leadline.contracts.tooling.local_stack import mail_ports
from leadline.contracts.wire.envelope import Envelope
from leadline.contracts.wire.events import CallReceivedV1, EmailReceivedV1, Event, Mailbox
from leadline.contracts.wire.topics import LEAD, MAIL_EMAIL, TELEPHONY_CALL

PREFIX = os.environ.get("KAFKA_TOPIC_PREFIX", "")  # as the services read it
DEADLINE_SECONDS = 30.0
LEAD_NAMES = ["Wyposażenie biura – Poznań", "Serwis klimatyzacji hali w Gdańsku", "Leasing floty aut – Łódź"]
# Ways people and PBXes write one Polish mobile number; each normalises to +48XXXXXXXXX.
NUMBER_FORMATS = ["+48 {} {} {}", "{}-{}-{}", "0048 {} {} {}", "{} {} {}"]
MOBILE_PREFIXES = ["50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"]
T = TypeVar("T")


def polish_mobile(style: int) -> str:
    digits = random.choice(MOBILE_PREFIXES) + "".join(random.choices("0123456789", k=7))
    return NUMBER_FORMATS[style % len(NUMBER_FORMATS)].format(digits[:3], digits[3:6], digits[6:])


def auth(user_id: str) -> dict[str, str]:
    user, secret = DEMO_USERS[user_id], os.environ.get("JWT_SECRET", LOCAL_JWT_SECRET)
    token = mint_token(
        user_id=user_id, name=user.name, roles=user.roles, extension=user.extension, email=user.email, secret=secret
    )
    return {"Authorization": f"Bearer {token}"}


async def until(what: str, probe: Callable[[], Awaitable[T]], done: Callable[[T], object] = bool) -> T:
    """Polls ``probe`` until ``done`` holds for what it returns; gives up at the deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + DEADLINE_SECONDS
    while not done(result := await probe()):
        if loop.time() > end:
            raise TimeoutError(f"gave up after {DEADLINE_SECONDS:.0f}s waiting until {what}")
        await asyncio.sleep(0.2)
    return result


async def lead_topic_progress(kafka: dict[str, Any]) -> tuple[int, int]:
    """Records on the lead topic, and how many communications has processed: equal when it has no lag."""
    partitions = [TopicPartition(PREFIX + LEAD.name, p) for p in range(LEAD.partitions)]
    consumer, admin = AIOKafkaConsumer(**kafka), AIOKafkaAdminClient(**kafka)
    try:
        await consumer.start()
        await admin.start()
        ends = await consumer.end_offsets(partitions)
        done = await admin.list_consumer_group_offsets(PREFIX + "leadline.communications", partitions=partitions)
    finally:
        await admin.close()
        await consumer.stop()
    return sum(ends.values()), sum(max(0, done[tp].offset) if tp in done else 0 for tp in partitions)


async def publish_calls(kafka: dict[str, Any], calls: list[CallReceivedV1]) -> None:
    """As a PBX gateway would: plain aiokafka, CloudEvents binary-mode headers, keyed by the PBX call id."""
    producer = AIOKafkaProducer(**kafka, acks="all", enable_idempotence=True)
    try:
        await producer.start()
        for number, event in enumerate(calls):
            envelope = Envelope.wrap(event, source="pbx-simulator")
            key, headers = envelope.subject.encode(), envelope.kafka_headers()  # subject: the PBX call id
            for attempt in range(2 if number == 1 else 1):  # the second call is delivered twice
                await producer.send_and_wait(PREFIX + TELEPHONY_CALL.name, envelope.data, key=key, headers=headers)
                retry = "  (a gateway retry: the same ce_id)" if attempt else ""
                print(f"   {event.pbx_call_id}  from {event.caller_number:>16}  ext {event.extension}{retry}")
    finally:
        await producer.stop()


async def publish(kafka: dict[str, Any], event: Event, source: str) -> None:
    """One gateway event, as a gateway would publish it: keyed by its subject, CloudEvents headers."""
    producer = AIOKafkaProducer(**kafka, acks="all", enable_idempotence=True)
    try:
        await producer.start()
        envelope = Envelope.wrap(event, source=source)
        await producer.send_and_wait(
            PREFIX + event.topic.name, envelope.data, key=envelope.subject.encode(), headers=envelope.kafka_headers()
        )
    finally:
        await producer.stop()


def newsletter(run: str) -> bytes:
    """A message as a mail server received it (RFC 5322), for the upload adapter."""
    return (
        f"From: Promo <news@shop.example>\r\nTo: Piotr Zielinski <piotr@leadline.example>\r\n"
        f"Subject: Black Friday deals\r\nDate: {datetime.now(UTC):%a, %d %b %Y %H:%M:%S +0000}\r\n"
        f"Message-ID: <news-{run}@shop.example>\r\n\r\nEverything must go.\r\n"
    ).encode()


async def demo_emails(args: argparse.Namespace, http: httpx.AsyncClient, leads: dict[str, dict[str, Any]]) -> None:
    mail_url, run = args.communications_url, uuid.uuid4().hex[:6]

    async def email(message_id: str, state: str | None = None) -> Any:
        page = (await http.get(f"{mail_url}/emails?limit=200", headers=auth("marta"))).raise_for_status().json()
        found = [e for e in page["items"] if e["message_id"] == message_id]
        return found[0] if found and (state is None or found[0]["state"] == state) else None

    print(f"4. A mail gateway publishes e-mails to Kafka ({PREFIX + MAIL_EMAIL.name})")
    first = EmailReceivedV1(
        message_id=f"enquiry-{run}@kowalski.example",
        sender=Mailbox(address=f"jan.{run}@kowalski.example", name="Jan Kowalski"),
        to=[Mailbox(address="anna@leadline.example", name="Anna Nowak")],
        subject_line="Meble biurowe dla 40 osób",
        sent_at=datetime.now(UTC),
        text_body="Dzień dobry, prosimy o wycenę.",
    )
    await publish(args.kafka, first, "mail-simulator")
    waiting = await until("communications registered the e-mail", lambda: email(first.message_id, "triage"))
    print(f"   {first.sender.address}: {first.subject_line!r} waits in triage; Anna creates a lead from it")
    response = await http.post(f"{mail_url}/emails/{waiting['id']}/create-lead", json={}, headers=auth("anna"))
    lead_id = response.raise_for_status().json()["lead_id"]
    await until("the e-mail is attached to the lead made from it", lambda: email(first.message_id, "attached"))
    leads[lead_id] = (await http.get(f"{args.leads_url}/leads/{lead_id}", headers=auth("anna"))).json()
    reply = EmailReceivedV1(
        message_id=f"reply-{run}@kowalski.example",
        in_reply_to=first.message_id,
        references=[first.message_id],
        sender=Mailbox(address=f"ewa.{run}@kowalski.example", name="Ewa Kowalska"),
        to=[Mailbox(address="anna@leadline.example")],
        subject_line=f"Re: {first.subject_line}",
        sent_at=datetime.now(UTC),
        text_body="Dodam jeszcze: 10 szaf.",
    )
    await publish(args.kafka, reply, "mail-simulator")
    await until("the colleague's reply attached by its thread", lambda: email(reply.message_id, "attached"))
    print(f"   {reply.sender.address} replies in the thread: attached to the same lead by itself")
    upload = await http.post(
        f"{mail_url}/mail/messages",
        content=newsletter(run),
        headers={**auth("marta"), "Content-Type": "message/rfc822"},
    )
    message_id = upload.raise_for_status().json()["message_id"]
    promo = await until("the uploaded newsletter is registered", lambda: email(message_id))
    (await http.post(f"{mail_url}/emails/{promo['id']}/ignore", headers=auth("piotr"))).raise_for_status()
    print(f"   a newsletter uploaded as RFC 5322 ({message_id}) is ignored by Piotr, to whom it was sent")

    print("\nE-mails: sender, subject, state and lead")
    for message in (first.message_id, reply.message_id, message_id):
        found = await email(message)
        lead_name = leads[found["lead_id"]]["name"] if found["lead_id"] in leads else "-"
        print(f"  {found['sender']:<32} {found['subject_line']:<30} {found['state']:<9} {lead_name}")


async def demo_deal(args: argparse.Namespace, http: httpx.AsyncClient, leads: dict[str, dict[str, Any]]) -> None:
    leads_url, reports_url = args.leads_url, args.reporting_url

    async def board() -> dict[str, dict[str, Any]]:
        found = await http.get(f"{leads_url}/pipelines/sales/board", headers=auth("anna"))
        return {column["stage_code"]: column for column in found.raise_for_status().json()["columns"]}

    def totals(column: dict[str, Any]) -> str:
        return ", ".join(f"{money['amount']} {money['currency']}" for money in column["value"]) or "-"

    async def won_deals() -> int:
        rows = (await http.get(f"{reports_url}/reports/deal-outcomes", headers=auth("marta"))).raise_for_status()
        return sum(row["won"] for row in rows.json() if row["pipeline_code"] == "sales")

    won_before = await won_deals()
    print("8. Anna enters a lead with its first deal in one request and works the deal on the pipeline board")
    deal_in = {
        "name": "Biurka i krzesła, etap 1",
        "pipeline_code": "sales",
        "stage_code": "discovery",
        "value": "48000",
    }
    body = {"name": "Meble do nowego biura – Wrocław", "deal": deal_in}
    lead = (await http.post(f"{leads_url}/leads", json=body, headers=auth("anna"))).raise_for_status().json()
    leads[lead["id"]] = lead
    deal = lead["deal"]
    discovery = (await board())["discovery"]
    worth = f"{deal['value']} {deal['currency']}"
    print(f"   {deal['name']!r} ({worth}) in discovery (open deals there: {discovery['count']})")
    for stage in ("negotiation", "closing", "won"):
        response = await http.post(
            f"{leads_url}/pipelines/sales/cards/{deal['id']}/move",
            json={"stage_code": stage},
            headers={**auth("anna"), "If-Match": f'"{deal["version"]}"'},
        )
        deal = response.raise_for_status().json()
        column = (await board())[stage] if stage != "won" else None
        shown = (
            f"open deals there: {column['count']}, worth {totals(column)}" if column else f"won on {deal['closed_at']}"
        )
        print(f"   moved to {stage:<12} (version {deal['version']}): {shown}")
    history = await http.get(f"{leads_url}/leads/{lead['id']}/deals/{deal['id']}/history", headers=auth("anna"))
    moves = [entry for entry in history.raise_for_status().json() if entry["action"] == "deal_stage_changed"]
    print(f"   the deal's history has {len(moves)} stage moves, each with who and when")
    await until("reporting has counted the won deal", won_deals, lambda won: won > won_before)
    print(f"   reporting: {await won_deals()} deals won in the sales pipeline (GET /reports/deal-outcomes)")


async def demo(args: argparse.Namespace, http: httpx.AsyncClient) -> None:
    leads_url, calls_url, reports_url = args.leads_url, args.communications_url, args.reporting_url
    for url in (leads_url, calls_url, reports_url):
        try:
            (await http.get(f"{url}/health")).raise_for_status()
        except httpx.HTTPError as error:
            raise ConnectionError(f"no ready service at {url} ({error!r}); is `make run` up?") from None
    lead_records_before, _ = await lead_topic_progress(args.kafka)  # also: Kafka is reachable

    async def get(url: str) -> Any:  # as the manager, who sees everything
        return (await http.get(url, headers=auth("marta"))).raise_for_status().json()

    print("1. Anna (salesperson) creates leads over HTTP; phones are stored in E.164")
    total_before = sum(row["lead_count"] for row in await get(f"{reports_url}/reports/leads-by-status"))
    phones = [polish_mobile(style) for style in range(len(LEAD_NAMES))]
    leads: dict[str, dict[str, Any]] = {}
    for name, phone in zip(LEAD_NAMES, phones, strict=True):
        response = await http.post(f"{leads_url}/leads", json={"name": name, "phone": phone}, headers=auth("anna"))
        lead = response.raise_for_status().json()
        leads[lead["id"]] = lead
        print(f"   {phone:>16}  ->  {lead['phone']}  {name}")

    # Calls are matched against communications' own copy of the leads, filled from the lead topic.
    await until(
        "communications has consumed the new leads",
        lambda: lead_topic_progress(args.kafka),
        lambda progress: progress[0] >= lead_records_before + len(phones) and progress[1] == progress[0],
    )

    print(f"2. The PBX publishes {args.calls} calls to Kafka ({PREFIX + TELEPHONY_CALL.name})")
    run = uuid.uuid4().hex[:6]
    calls = [  # every other call from a lead's number, written another way than in the lead
        CallReceivedV1(
            pbx_call_id=f"pbx-{run}-{i + 1}",
            caller_number=phones[i // 2 % len(phones)].replace(" ", "-") if i % 2 == 0 else polish_mobile(i),
            called_number="+48 22 350 00 00",
            extension="101" if i % 4 < 2 else "102",
            received_at=datetime.now(UTC),
        )
        for i in range(args.calls)
    ]
    await publish_calls(args.kafka, calls)
    sent = {event.pbx_call_id: event.caller_number for event in calls}

    async def our_calls() -> list[dict[str, Any]]:
        return [c for c in (await get(f"{calls_url}/calls?limit=200"))["items"] if c["pbx_call_id"] in sent]

    registered = await until("communications registered every call", our_calls, lambda found: len(found) == len(sent))
    call = next(call for call in reversed(registered) if call["state"] == "triage")  # the longest waiting
    print(f"3. Marta (manager) creates a lead from the call in triage from {call['caller_number']}")
    body = {"name": f"Zapytanie telefoniczne {call['caller_number']}"}
    response = await http.post(f"{calls_url}/calls/{call['id']}/create-lead", json=body, headers=auth("marta"))
    lead_id = response.raise_for_status().json()["lead_id"]
    await until(
        "the call is attached to the lead made from it",
        lambda: get(f"{calls_url}/calls/{call['id']}"),
        lambda found: found["state"] == "attached",
    )
    leads[lead_id] = await get(f"{leads_url}/leads/{lead_id}")
    await demo_emails(args, http, leads)
    urls = {"leads": leads_url, "communications": calls_url, "reporting": reports_url}
    ports = {"lmtp": args.lmtp_port, "relay": args.relay_port}
    mail_lead = await demo_mailbox(http, urls, ports, args.connector_settings, auth, until)
    leads[mail_lead["id"]] = mail_lead
    await demo_pbx(http, urls, args.kafka, PREFIX, auth, until, next(iter(leads.values())))
    await demo_deal(args, http, leads)
    report = await until(
        "reporting has counted the new leads",
        lambda: get(f"{reports_url}/reports/leads-by-status"),
        lambda rows: sum(row["lead_count"] for row in rows) >= total_before + len(leads),
    )

    print("\nLeads")
    for lead in leads.values():
        contact = lead["phone"] or lead["email"] or "-"
        print(f"  {lead['name']:<36} {contact:<13} {lead['status_code']:<6} {lead['salesperson_id']}")
    print("\nCalls, newest first: the number as the PBX sent it and as stored, the call's state and lead")
    for call in await our_calls():
        lead_name = leads[call["lead_id"]]["name"] if call["lead_id"] in leads else "(waiting for a decision)"
        number = f"{sent[call['pbx_call_id']]:>16} -> {call['caller_number']}"
        print(f"  {call['pbx_call_id']}  {number}  ext {call['extension']}  {call['state']:<9} {lead_name}")
    print("\nLeads by status (reporting; every lead in the system)")
    for row in report:
        print(f"  {row['status_code']:<14} {row['lead_count']}")


async def run(args: argparse.Namespace) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        await demo(args, http)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Plays a telephony gateway, a mail gateway and a sales app against `make run`."
    )
    parser.add_argument("--bootstrap", help="instead of KAFKA_BOOTSTRAP_SERVERS (KAFKA_SECURITY_* etc. apply too)")
    parser.add_argument("--leads-url", default="http://127.0.0.1:8001")
    parser.add_argument("--communications-url", default="http://127.0.0.1:8002")
    parser.add_argument("--reporting-url", default="http://127.0.0.1:8004")
    parser.add_argument("--lmtp-port", type=int, default=mail_ports(8000)["lmtp"], help="communications' receiver")
    parser.add_argument(
        "--relay-port", type=int, default=mail_ports(8000)["relay"], help="for the SMTP server the demo runs"
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("DATA_DIR", ".local/data"),
        help="communications' DATA_DIR (its database and blobs), for the IMAP connector the demo starts",
    )
    parser.add_argument("--calls", type=int, default=6, help="calls the PBX publishes (at least 2)")
    args = parser.parse_args()
    if args.calls < 2:
        parser.error("--calls must be at least 2")
    kafka = read_settings(KafkaSettings, parser.prog)
    if args.bootstrap:
        kafka = kafka.model_copy(update={"kafka_bootstrap_servers": args.bootstrap})
    args.kafka = client_options(kafka)
    args.connector_settings = {"DATA_DIR": args.data_dir, "KAFKA_BOOTSTRAP_SERVERS": kafka.kafka_bootstrap_servers}
    try:
        asyncio.run(run(args))
    except (ConnectionError, TimeoutError) as error:
        sys.exit(f"demo failed: {error}")
    except KafkaConnectionError as error:
        sys.exit(f"demo failed: Kafka is not reachable at {kafka.kafka_bootstrap_servers} ({error}); is `make run` up?")
    except httpx.HTTPStatusError as error:
        sys.exit(f"demo failed: {error.request.method} {error.request.url} answered {error.response.text}")


if __name__ == "__main__":
    main()
