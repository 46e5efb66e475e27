"""One chaos run: the load and the faults together, then the checker's verdict, as one JSON report."""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from deploy.cluster import ClusterLayout
from tests.chaos.checker import Checker
from tests.chaos.faults import Fault, FaultDriver, FaultPlan, faults_json
from tests.chaos.load import LoadGenerator, Rates


@dataclass(frozen=True)
class Budget:
    seconds: float  # of load, with the faults spread over it
    replica_kills: int
    broker_down_seconds: float
    broker_pause_seconds: float
    rates: Rates = field(default_factory=Rates)


FULL = Budget(seconds=300, replica_kills=24, broker_down_seconds=30, broker_pause_seconds=25)
# For `make test`: the same faults, fewer kills, a shorter load.
CI = Budget(seconds=75, replica_kills=6, broker_down_seconds=15, broker_pause_seconds=20)


async def run_chaos(layout: ClusterLayout, budget: Budget, *, seed: int) -> dict[str, Any]:
    load = LoadGenerator(
        bootstrap=layout.bootstrap,
        topic_prefix=layout.topic_prefix,
        leads_urls=layout.service_urls()["leads"],
        rates=budget.rates,
        rng=random.Random(seed),
    )
    plan = FaultPlan(budget.seconds, budget.replica_kills, budget.broker_down_seconds, budget.broker_pause_seconds)
    driver = FaultDriver(layout, plan, random.Random(seed + 1))
    started = datetime.now(UTC)
    ledger, faults = await asyncio.gather(load.run(budget.seconds), driver.run())
    checker = Checker(
        bootstrap=layout.bootstrap,
        topic_prefix=layout.topic_prefix,
        service_urls=layout.service_urls(),
        management_urls=layout.management_urls(),
    )
    verdict = await checker.check(ledger)
    kinds: dict[str, int] = defaultdict(int)
    for fault in faults:
        kinds[fault.kind] += 1
    report = {
        "run": ledger.run,
        "seed": seed,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "budget": {
            "load_seconds": budget.seconds,
            "replica_kills": budget.replica_kills,
            "broker_down_seconds": budget.broker_down_seconds,
            "broker_pause_seconds": budget.broker_pause_seconds,
            "rates_per_second": vars(budget.rates),
        },
        "load": ledger.summary(),
        "faults": dict(kinds),
        "recovery_seconds": recovery(faults),
        **verdict,
        "refusals": ledger.refusals[:10],
        "server_errors": ledger.server_errors[:10],
        "fault_log": faults_json(faults),
    }
    report["ok"] = ok(report)
    return report


def recovery(faults: list[Fault]) -> dict[str, Any]:
    """Per service, how long its killed replicas took to be ready again; per broker fault, how long until
    every partition had all its replicas in sync again."""
    per_target: dict[str, list[float | None]] = defaultdict(list)
    for fault in faults:
        target = fault.target.split("#")[0] if fault.kind == "replica_killed" else fault.kind
        per_target[target].append(fault.recovered_after)
    summary = {}
    for target, times in sorted(per_target.items()):
        done = [t for t in times if t is not None]
        summary[target] = {
            "faults": len(times),
            "not_recovered": len(times) - len(done),
            "median": round(statistics.median(done), 1) if done else None,
            "max": max(done) if done else None,
        }
    return summary


def ok(report: dict[str, Any]) -> bool:
    return (
        report["lost"] == 0
        and report["doubled"] == 0
        and report["settled"]["within_bound"]
        and all(r["not_recovered"] == 0 for r in report["recovery_seconds"].values())
        and report["faults"].get("replica_killed", 0) >= report["budget"]["replica_kills"]
        and report["faults"].get("broker_killed") == 1
        and report["faults"].get("broker_paused") == 1
        and not report["refusals"]
    )


def summary(report: dict[str, Any]) -> str:
    calls, emails, leads = report["calls"], report["emails"], report["leads"]
    lines = [
        f"chaos run {report['run']}: {'PASSED' if report['ok'] else 'FAILED'}"
        f" — lost {report['lost']}, doubled {report['doubled']}",
        f"  load {report['budget']['load_seconds']:.0f}s; faults: {report['faults']}",
        f"  calls   acknowledged {calls['acknowledged']:>5}  present {calls['present']:>5}"
        f"  lost {calls['lost']}  doubled {calls['doubled']}",
        f"  e-mails acknowledged {emails['acknowledged']:>5}  present {emails['present']:>5}"
        f"  lost {emails['lost']}  doubled {emails['doubled']}",
        f"  leads   acknowledged {leads['acknowledged']:>5}  present {leads['present']:>5}"
        f"  lost {leads['lost']}  doubled {leads['doubled']}",
        f"  reporting: lost {report['reporting']['lost']}  doubled {report['reporting']['doubled']}",
        f"  settled (every lag 0, every outbox empty) {report['settled']['seconds']}s after the load",
    ]
    for target, times in report["recovery_seconds"].items():
        lines.append(f"  recovery {target:<15} median {times['median']}s  max {times['max']}s  ({times['faults']})")
    return "\n".join(lines)
