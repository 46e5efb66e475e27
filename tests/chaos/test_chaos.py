"""The CI-sized chaos run (`make chaos` makes the full one against `make cluster`): load, replicas killed, a broker
lost and one paused, then the independent checker's verdict."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from deploy.cluster import ClusterLayout
from tests.chaos.run import CI, run_chaos, summary

pytestmark = [pytest.mark.kafka, pytest.mark.chaos]


async def test_under_chaos_nothing_acknowledged_is_lost_and_nothing_is_doubled(
    cluster: ClusterLayout, tmp_path: Path
) -> None:
    seed = int.from_bytes(os.urandom(2))
    report = await run_chaos(cluster, CI, seed=seed)
    written = tmp_path / "chaos.json"
    written.write_text(json.dumps(report, indent=2, default=str))
    verdict = f"{summary(report)}\n(seed {seed}; report {written})"

    assert report["faults"]["replica_killed"] >= CI.replica_kills, verdict
    assert (report["faults"]["broker_killed"], report["faults"]["broker_paused"]) == (1, 1), verdict
    assert min(report[kind]["acknowledged"] for kind in ("calls", "emails", "leads")) > 0, verdict
    assert (report["lost"], report["doubled"]) == (0, 0), verdict
    assert report["settled"]["within_bound"], verdict  # every group's lag back to 0, every outbox empty
    assert all(r["not_recovered"] == 0 for r in report["recovery_seconds"].values()), verdict
    assert report["refusals"] == [], verdict
    assert report["ok"], verdict
