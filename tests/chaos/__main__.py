"""`make chaos`: a chaos run against the cluster of `make cluster`, its report in reports/chaos.json.

.venv/bin/python -m tests.chaos                # 5 minutes of load, 24 replica kills, a broker lost, one paused
.venv/bin/python -m tests.chaos --ci           # the smaller run `make test` makes on a cluster of its own
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from deploy.cluster import LAYOUT_FILE, REPO, ClusterLayout, LocalCluster
from tests.chaos.run import CI, FULL, run_chaos, summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--ci", action="store_true", help="the CI-sized budget")
    parser.add_argument("--seconds", type=float, help="seconds of load")
    parser.add_argument("--kills", type=int, help="replica kills over the run")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(2)))
    parser.add_argument("--report", type=Path, default=REPO / "reports" / "chaos.json")
    args = parser.parse_args()
    directory = Path(os.environ.get("LEADLINE_CLUSTER_DIR", REPO / ".local" / "cluster"))
    if not (directory / LAYOUT_FILE).exists():
        sys.exit("no cluster here: start one with `make cluster`")
    layout = ClusterLayout.load(directory)
    if not LocalCluster(layout).status():
        sys.exit("the cluster is not fully up: see above (`make cluster` starts what is missing)")
    budget = CI if args.ci else FULL
    budget = replace(
        budget,
        seconds=args.seconds or budget.seconds,
        replica_kills=args.kills if args.kills is not None else budget.replica_kills,
    )
    print(f"chaos: {budget.seconds:.0f}s of load, {budget.replica_kills} replica kills, seed {args.seed}", flush=True)
    report = asyncio.run(run_chaos(layout, budget, seed=args.seed))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2, default=str))
    print(summary(report))
    print(f"report: {args.report}")
    if not report["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
