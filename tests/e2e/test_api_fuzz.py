"""The API fuzz stage: schemathesis (property-based, schema-driven) against every service's live OpenAPI
document, as a manager and as a salesperson, in every phase: the documents' examples, their boundaries and
each constraint broken one at a time with every undeclared method (coverage), random valid and invalid
requests (fuzzing), and chains of calls whose links it infers from Location headers and ids (stateful).
Coverage runs as the manager only: as the salesperson it would repeat the same cases to meet 403s.

Each run must find: no 5xx; every answer's status, content type, headers and body as the document declares;
a method the document does not declare answered with 405 and an Allow header; a request that breaks the
schema refused (4xx), one without a valid token refused (401). A seed makes the runs repeatable; the number
of cases per operation bounds their time. The services run as processes on the session's broker in a stack
of their own, since fuzzing changes their configuration (statuses, types, settings) at random. Most of a run's
time is waiting for answers, so the runs go side by side, RUNS_AT_ONCE at a time, each test awaiting its own; the
longest, the manager's coverage of leads, is split by path into two runs.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from leadline.contracts.tooling.services import service_names
from tests.support.kafka import LocalKafka
from tests.support.services import token
from tests.support.stack import Stack, started_stack

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

SEED = 20261129
CASES_PER_OPERATION = 8
RUNS_AT_ONCE = 6
HOOKS = "tests.e2e.schemathesis_hooks"
REPO = Path(__file__).resolve().parents[2]
EVERYTHING_BUT_COVERAGE = "examples,fuzzing,stateful"


@dataclass(frozen=True)
class Run:
    """One schemathesis run: a service's operations (those whose path ``paths`` matches, or all) as ``user``."""

    service: str
    user: str
    phases: str
    paths: str | None = None

    @property
    def id(self) -> str:
        shard = {None: "", "^/leads": "-lead-paths", "^/(?!leads)": "-other-paths"}[self.paths]
        return f"{self.service}-{self.user}-{'coverage' if self.phases == 'coverage' else 'other-phases'}{shard}"


# The manager (marta) in every phase; the salesperson (anna) not in coverage, which would repeat the manager's
# cases only to meet 403s.
RUNS = [
    run
    for service in service_names()
    for run in (
        *(
            [Run(service, "marta", "coverage", "^/leads"), Run(service, "marta", "coverage", "^/(?!leads)")]
            if service == "leads"
            else [Run(service, "marta", "coverage")]
        ),
        Run(service, "marta", EVERYTHING_BUT_COVERAGE),
        Run(service, "anna", EVERYTHING_BUT_COVERAGE),
    )
]


@pytest.fixture(scope="module")
async def fuzzed(kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with started_stack(kafka, tmp_path_factory, "fuzzed") as stack:
        yield stack


@pytest.fixture(scope="module")
async def runs(
    fuzzed: Stack, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> AsyncIterator[dict[Run, asyncio.Task[subprocess.CompletedProcess[str]]]]:
    """The selected runs, started at once (RUNS_AT_ONCE of them running at a time)."""
    at_once = asyncio.Semaphore(RUNS_AT_ONCE)
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(REPO)}
    selected = {
        item.callspec.params["run"]
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_the_api_keeps_to_its_document_under_fuzzing"
    }

    async def started(run: Run) -> subprocess.CompletedProcess[str]:
        workdir = tmp_path_factory.mktemp(f"fuzz-{run.id}")
        async with at_once:
            return await asyncio.to_thread(
                subprocess.run,
                schemathesis_run(fuzzed.url(run.service), run),
                env=environment,
                cwd=workdir,
                capture_output=True,
                text=True,
                timeout=600,
            )

    tasks = {run: asyncio.create_task(started(run)) for run in RUNS if run in selected}
    try:
        yield tasks
    finally:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)


def schemathesis_run(url: str, run: Run) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        f"--phases={run.phases}",
        *([f"--include-path-regex={run.paths}"] if run.paths else []),
        # Every check, but that a request the document calls valid must succeed: business rules refuse
        # valid-looking codes that do not exist (422), which the document cannot express.
        "--checks=all",
        "--exclude-checks=positive_data_acceptance",
        f"--header=Authorization: Bearer {token(run.user)}",
        f"--seed={SEED}",
        f"--max-examples={CASES_PER_OPERATION}",
        "--generation-database=none",
        "--suppress-health-check=all",
        "--request-timeout=20",
        # One thread per run: hypothesis parses its strategies' lambdas with `ast`, which is not thread-safe on
        # Python 3.11 (SystemError: AST constructor recursion depth mismatch). Runs go side by side as processes.
        "--workers=1",
        "--no-color",
    ]


@pytest.mark.parametrize("run", RUNS, ids=[run.id for run in RUNS])
async def test_the_api_keeps_to_its_document_under_fuzzing(
    runs: dict[Run, asyncio.Task[subprocess.CompletedProcess[str]]], run: Run
) -> None:
    finished = await runs[run]

    assert finished.returncode == 0, f"schemathesis found failures in {run.id}:\n{finished.stdout[-20000:]}"
