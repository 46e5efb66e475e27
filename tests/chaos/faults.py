"""The chaos run's faults: SIGKILLs of service replicas at random (their supervisor starts them again, as
Kubernetes restarts a pod), one broker killed and restarted, and one broker paused (SIGSTOP) for longer than
the session timeouts, the one coordinating a consumer group, so that group loses its coordinator. Each
fault is timed until what it broke works again."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
from dataclasses import asdict, dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient

from deploy.cluster import ClusterLayout, KafkaNode, ready

# Consumers' session timeout (aiokafka's default) and the brokers' own (KRaft's default): a pause longer than
# both makes the controller fence the paused broker and the group coordinator drop the consumers it lost.
SESSION_TIMEOUT_SECONDS = 10.0
RECOVERY_BOUND_SECONDS = 180.0
PAUSED_GROUP = "leadline.communications"


@dataclass(frozen=True)
class FaultPlan:
    seconds: float  # the load's duration, over which the faults are spread
    replica_kills: int
    broker_down_seconds: float
    broker_pause_seconds: float

    def __post_init__(self) -> None:
        assert self.broker_pause_seconds > SESSION_TIMEOUT_SECONDS, "the pause must outlast the session timeouts"


@dataclass
class Fault:
    kind: str  # replica_killed, broker_killed, broker_paused
    target: str
    at: float  # seconds since the run started
    lasted: float = 0.0  # how long a broker was down or paused
    # Seconds from the fault's end (the kill; a broker's restart or resumption) until what it broke works again.
    recovered_after: float | None = None  # None: not within the bound
    detail: str = ""


class FaultDriver:
    def __init__(self, layout: ClusterLayout, plan: FaultPlan, rng: random.Random) -> None:
        self._layout = layout
        self._plan = plan
        self._rng = rng
        self.faults: list[Fault] = []
        self._recoveries: list[asyncio.Task[None]] = []

    async def run(self) -> list[Fault]:
        loop = asyncio.get_running_loop()
        self._start = loop.time()
        seconds = self._plan.seconds
        # The broker faults apart, so that two brokers are never away together (writes need two of three).
        await asyncio.gather(
            self._kill_replicas(),
            self._broker_loss(at=0.2 * seconds),
            self._broker_pause(at=0.6 * seconds),
        )
        await asyncio.gather(*self._recoveries)
        return sorted(self.faults, key=lambda fault: fault.at)

    def _now(self) -> float:
        return asyncio.get_running_loop().time() - self._start

    async def _until(self, at: float) -> None:
        await asyncio.sleep(max(0.0, at - self._now()))  # the plan's schedule, not synchronisation

    async def _kill_replicas(self) -> None:
        kills = self._plan.replica_kills
        for n in range(kills):
            await self._until(self._plan.seconds * (n + self._rng.uniform(0.1, 0.9)) / kills)
            replica = await self._pick_replica()
            if replica is None:
                continue
            os.kill(replica["pid"], signal.SIGKILL)
            fault = Fault("replica_killed", f"{replica['service']}#{replica['replica']}", round(self._now(), 1))
            self.faults.append(fault)
            self._recoveries.append(asyncio.create_task(self._replica_recovery(fault, replica)))

    async def _pick_replica(self) -> dict[str, Any] | None:
        """A replica that is up and ready: killing one still starting would measure nothing new."""
        replicas = json.loads(self._layout.services_state.read_text())["replicas"]
        self._rng.shuffle(replicas)
        for replica in replicas:
            if replica["pid"] is not None and await asyncio.to_thread(ready, replica["management_url"]):
                return dict(replica)
        return None

    async def _replica_recovery(self, fault: Fault, killed: dict[str, Any]) -> None:
        killed_at = self._now()

        def restarted_and_ready() -> bool:
            state = json.loads(self._layout.services_state.read_text())["replicas"]
            (now,) = [r for r in state if (r["service"], r["replica"]) == (killed["service"], killed["replica"])]
            return now["pid"] not in (None, killed["pid"]) and ready(now["management_url"])

        if await _poll(restarted_and_ready):
            fault.recovered_after = round(self._now() - killed_at, 1)

    async def _broker_loss(self, *, at: float) -> None:
        await self._until(at)
        broker = self._rng.choice(self._layout.brokers)
        await asyncio.to_thread(broker.kill)
        fault = Fault("broker_killed", f"kafka {broker.node_id}", round(self._now(), 1))
        self.faults.append(fault)
        await asyncio.sleep(self._plan.broker_down_seconds)  # the outage the plan makes
        fault.lasted = round(self._now() - fault.at, 1)
        restarted_at = self._now()
        await asyncio.to_thread(broker.start)
        fault.recovered_after = await self._back_in_sync(since=restarted_at)

    async def _broker_pause(self, *, at: float) -> None:
        await self._until(at)
        group = self._layout.topic_prefix + PAUSED_GROUP
        broker = await self._coordinator_of(group)
        broker.signal(signal.SIGSTOP)
        fault = Fault(
            "broker_paused", f"kafka {broker.node_id}", round(self._now(), 1), detail=f"coordinator of {group}"
        )
        self.faults.append(fault)
        try:
            await asyncio.sleep(self._plan.broker_pause_seconds)  # the outage the plan makes
        finally:
            broker.signal(signal.SIGCONT)
        fault.lasted = round(self._now() - fault.at, 1)
        fault.recovered_after = await self._back_in_sync(since=self._now())

    async def _coordinator_of(self, group: str) -> KafkaNode:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._layout.bootstrap)
        await admin.start()
        try:
            node_id = await admin.find_coordinator(group)
        finally:
            await admin.close()
        (broker,) = [b for b in self._layout.brokers if b.node_id == node_id]
        return broker

    async def _back_in_sync(self, *, since: float) -> float | None:
        """Seconds from ``since`` until every partition has all its replicas in sync again."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self._layout.bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()

            async def in_sync() -> bool:
                topics = await admin.describe_topics()
                return all(len(p["isr"]) == len(p["replicas"]) for t in topics for p in t["partitions"])

            if await _poll_async(in_sync):
                return round(self._now() - since, 1)
            return None
        finally:
            await admin.close()


async def _poll(probe: Any) -> bool:
    """Polls a blocking ``probe`` until it holds, up to the recovery bound."""

    async def in_thread() -> bool:
        return bool(await asyncio.to_thread(probe))

    return await _poll_async(in_thread)


async def _poll_async(probe: Any) -> bool:
    deadline = asyncio.get_running_loop().time() + RECOVERY_BOUND_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        try:
            if await probe():
                return True
        except Exception:  # a broker or replica still coming back: ask again
            pass
        await asyncio.sleep(0.5)
    return False


def faults_json(faults: list[Fault]) -> list[dict[str, Any]]:
    return [asdict(fault) for fault in faults]
