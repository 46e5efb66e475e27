"""The chaos run's independent checker. It knows only what the load generator sent and had acknowledged (the
ledger), what the services answer over HTTP and what is on the topics; never their databases. It waits for
the system to settle (every consumer group's lag 0, every outbox empty), then counts what is lost (acknowledged
but absent) and what is doubled (one thing, two effects)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from leadline.contracts.tooling.services import service_names
from leadline.contracts.wire.events import CallRegisteredV1, EmailRegisteredV1
from leadline.contracts.wire.topics import CALL, EMAIL, Topic
from tests.chaos.load import STATUSES, Ledger
from tests.support.kafka import read_all
from tests.support.services import auth

SETTLE_BOUND_SECONDS = 180.0
_BACKLOG = re.compile(r"^leadline_outbox_backlog\{[^}]*\} (\S+)$", re.MULTILINE)


async def backlog_of(http: httpx.AsyncClient, management_url: str) -> float:
    """A replica's outbox backlog (events committed, not yet on Kafka), from its /metrics."""
    return sum(float(value) for value in _BACKLOG.findall((await http.get(f"{management_url}/metrics")).text))


class Checker:
    def __init__(
        self,
        *,
        bootstrap: str,
        topic_prefix: str,
        service_urls: dict[str, list[str]],
        management_urls: dict[str, list[str]],
    ) -> None:
        self._bootstrap = bootstrap
        self._prefix = topic_prefix
        self._urls = service_urls
        self._management = [url for urls in management_urls.values() for url in urls]
        self._manager = auth("marta")

    async def check(self, ledger: Ledger) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30.0) as http:
            self._http = http
            settled = await self._settle()
            calls = await self._calls(ledger)
            emails = await self._emails(ledger)
            leads = await self._leads(ledger)
            reporting = await self._reporting(ledger, leads["present_ids"])
        del leads["present_ids"]
        lost = sum(part["lost"] for part in (calls, emails, leads, reporting))
        doubled = sum(part["doubled"] for part in (calls, emails, leads, reporting))
        return {
            "lost": lost,
            "doubled": doubled,
            "settled": settled,
            "calls": calls,
            "emails": emails,
            "leads": leads,
            "reporting": reporting,
        }

    # --- settling -------------------------------------------------------------------------------------------

    async def _settle(self) -> dict[str, Any]:
        """Waits until every replica is ready, every group's lag 0 and every outbox empty, twice in a row."""
        started = time.monotonic()
        lags: dict[str, int] = {}
        backlogs: dict[str, float] = {}
        calm = 0
        while time.monotonic() - started < SETTLE_BOUND_SECONDS:
            try:
                ready = all([await self._ready(url) for url in self._management])
                lags = await self._lags()
                backlogs = {url: await backlog_of(self._http, url) for url in self._management}
            except (httpx.HTTPError, OSError, ValueError):
                ready = False
            calm = calm + 1 if ready and not any(lags.values()) and not any(backlogs.values()) else 0
            if calm == 2:
                return {"seconds": round(time.monotonic() - started, 1), "lag": lags, "within_bound": True}
            await asyncio.sleep(1.0)  # polling a system we do not control; the bound ends it
        return {
            "seconds": round(time.monotonic() - started, 1),
            "lag": lags,
            "within_bound": False,
            "backlog": backlogs,
        }

    async def _ready(self, url: str) -> bool:
        return (await self._http.get(f"{url}/ready")).status_code == 200

    async def _lags(self) -> dict[str, int]:
        """Records each service's consumer group has yet to commit, over the topics it reads."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap)
        await admin.start()
        await consumer.start()
        try:
            lags = {}
            for service in service_names():
                committed = await admin.list_consumer_group_offsets(f"{self._prefix}leadline.{service}")
                partitions = [tp for tp, offset in committed.items() if offset.offset >= 0]
                ends = await consumer.end_offsets(partitions) if partitions else {}
                lags[service] = sum(ends[tp] - committed[tp].offset for tp in partitions)
            return lags
        finally:
            await consumer.stop()
            await admin.close()

    # --- what the services answer -----------------------------------------------------------------------------

    async def _pages(self, url: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**(params or {}), "limit": 100, **({"cursor": cursor} if cursor else {})}
            response = await self._http.get(url, params=query, headers=self._manager)
            response.raise_for_status()
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items

    async def _calls(self, ledger: Ledger) -> dict[str, Any]:
        listed = [
            c for c in await self._pages(f"{self._urls['communications'][0]}/calls") if _ours(c["pbx_call_id"], ledger)
        ]
        registered = await self._registered(CALL, CallRegisteredV1.type, "pbx_call_id", ledger)
        result = _compare(ledger.calls_acked, ledger.calls_sent, [c["pbx_call_id"] for c in listed], registered)
        by_pbx = {c["pbx_call_id"]: c for c in listed}
        unattached = sorted(
            pbx for pbx, lead_id in ledger.calls_for_lead.items() if pbx in by_pbx and by_pbx[pbx]["lead_id"] != lead_id
        )
        result["to_a_lead_of_the_run"] = sum(1 for pbx in ledger.calls_for_lead if pbx in by_pbx)
        result["not_attached_to_their_lead"] = len(unattached)
        result["lost"] += len(unattached)
        if unattached:
            result["examples"] = result.get("examples", []) + unattached[:5]
        return result

    async def _emails(self, ledger: Ledger) -> dict[str, Any]:
        listed = [
            e for e in await self._pages(f"{self._urls['communications'][0]}/emails") if _ours(e["message_id"], ledger)
        ]
        registered = await self._registered(EMAIL, EmailRegisteredV1.type, "message_id", ledger)
        return _compare(ledger.emails_acked, ledger.emails_sent, [e["message_id"] for e in listed], registered)

    async def _leads(self, ledger: Ledger) -> dict[str, Any]:
        listed = await self._pages(f"{self._urls['leads'][0]}/leads", {"q": f"chaos-{ledger.run}-"})
        names = Counter(lead["name"] for lead in listed)
        present = {lead["id"]: lead for lead in listed}
        lost = sorted(lead_id for lead_id in ledger.leads if lead_id not in present)
        moves_lost = sorted(
            lead_id
            for lead_id, log in ledger.leads.items()
            if lead_id in present and present[lead_id]["status_code"] not in log.may_be_in()
        )
        unknown_present = sum(
            1 for name, outcome in ledger.lead_creates_sent.items() if outcome != "acked" and names[name]
        )
        documents_missing = [
            lead_id
            for lead_id in present
            if (
                await self._http.get(f"{self._urls['documents'][0]}/leads/{lead_id}", headers=self._manager)
            ).status_code
            != 200
        ]
        doubled = sorted(name for name, count in names.items() if count > 1)
        return {
            "acknowledged": len(ledger.leads),
            "present": len(present),
            "unanswered_creates_present": unknown_present,
            "lost": len(lost) + len(moves_lost) + len(documents_missing),
            "lost_creates": len(lost),
            "lost_moves": len(moves_lost),
            "missing_in_documents": len(documents_missing),
            "doubled": len(doubled),
            "examples": (lost + moves_lost + documents_missing + doubled)[:5],
            "present_ids": set(present),
        }

    async def _reporting(self, ledger: Ledger, present: set[str]) -> dict[str, Any]:
        """Reporting counts what leads holds: per open status over every lead, and this run's leads by date."""
        board = (await self._http.get(f"{self._urls['leads'][0]}/kanban", headers=self._manager)).json()
        in_leads = {column["status_code"]: column["count"] for column in board["columns"]}
        by_status = (
            await self._http.get(f"{self._urls['reporting'][0]}/reports/leads-by-status", headers=self._manager)
        ).json()
        in_reporting = {row["status_code"]: row["lead_count"] for row in by_status}
        differences = {s: in_reporting.get(s, 0) - in_leads.get(s, 0) for s in STATUSES}
        window = {
            "rows": "status",
            "lead_date_from": (ledger.started_at - timedelta(minutes=1)).isoformat(),
            "lead_date_to": (datetime.now(UTC) + timedelta(minutes=1)).isoformat(),
        }
        pivot = (
            await self._http.get(f"{self._urls['reporting'][0]}/reports/leads", params=window, headers=self._manager)
        ).json()
        run_count = sum(cell["count"] for cell in pivot["cells"])
        return {
            "per_status_reporting_minus_leads": differences,
            "leads_of_the_run_in_reporting": run_count,
            "leads_of_the_run_in_leads": len(present),
            "lost": sum(-d for d in differences.values() if d < 0) + max(0, len(present) - run_count),
            "doubled": sum(d for d in differences.values() if d > 0) + max(0, run_count - len(present)),
        }

    # --- what is on the topics --------------------------------------------------------------------------------

    async def _registered(self, topic: Topic, event_type: str, field: str, ledger: Ledger) -> dict[str, set[str]]:
        """The distinct ce_ids of ``event_type`` per item of the run: more than one is an item registered twice
        (the same event read twice, a relay's redelivery, has one ce_id)."""
        found: dict[str, set[str]] = defaultdict(set)
        for record in await read_all(self._bootstrap, topic, self._prefix):
            headers = {k: v.decode() for k, v in record.headers}
            if headers.get("ce_type") != event_type or record.value is None:
                continue
            key = _field(record.value, field)
            if key is not None and _ours(key, ledger):
                found[key].add(headers["ce_id"])
        return found


def _compare(acked: set[str], sent: set[str], listed: Iterable[str], registered: dict[str, set[str]]) -> dict[str, Any]:
    times_listed = Counter(listed)
    lost = sorted(acked - set(times_listed))
    doubled = sorted(
        {key for key, n in times_listed.items() if n > 1} | {k for k, ids in registered.items() if len(ids) > 1}
    )
    return {
        "sent": len(sent),
        "acknowledged": len(acked),
        "present": len(times_listed),
        "registered_events": sum(len(ids) for ids in registered.values()),
        "unacknowledged_present": len(set(times_listed) - acked),
        "lost": len(lost),
        "doubled": len(doubled),
        "examples": (lost + doubled)[:5],
    }


def _ours(key: str, ledger: Ledger) -> bool:
    return key.startswith(f"chaos-{ledger.run}-")


def _field(value: bytes, name: str) -> str | None:
    found = json.loads(value).get(name)
    return found if isinstance(found, str) else None
