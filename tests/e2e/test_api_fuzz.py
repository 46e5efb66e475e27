"""The API fuzz stage: schemathesis (property-based, schema-driven) against every service's live OpenAPI
document, as a manager and as a salesperson, in every phase: the documents' examples, their boundaries and
each constraint broken one at a time with every undeclared method (coverage), random valid and invalid
requests (fuzzing), and chains of calls whose links it infers from Location headers and ids (stateful).
Coverage runs as the manager only: as the salesperson it would repeat the same cases to meet 403s.

Each run must find: no 5xx; every answer's status, content type, headers and body as the document declares;
a method the document does not declare answered with 405 and an Allow header; a request that breaks the
schema refused (4xx), one without a valid token refused (401). A seed makes the runs repeatable; the number
of cases per operation bounds their time. The services run as processes on the session's broker in a stack
of their own, since fuzzing changes their configuration (statuses, types, settings) at random.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Stack, started_stack
from tests.support.kafka import LocalKafka
from tests.support.services import token

pytestmark = [pytest.mark.kafka, pytest.mark.e2e]

SERVICES = ("leads", "communications", "documents", "reporting")
PHASES = {"marta": "examples,coverage,fuzzing,stateful", "anna": "examples,fuzzing,stateful"}  # manager, salesperson
SEED = 20261129
CASES_PER_OPERATION = 8
HOOKS = "tests.e2e.schemathesis_hooks"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def fuzzed(kafka: LocalKafka, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with started_stack(kafka, tmp_path_factory, "fuzzed") as stack:
        yield stack


def schemathesis_run(url: str, user: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/openapi.json",
        f"--phases={PHASES[user]}",
        # Every check, but that a request the document calls valid must succeed: business rules refuse
        # valid-looking codes that do not exist (422), which the document cannot express.
        "--checks=all",
        "--exclude-checks=positive_data_acceptance",
        f"--header=Authorization: Bearer {token(user)}",
        f"--seed={SEED}",
        f"--max-examples={CASES_PER_OPERATION}",
        "--generation-database=none",
        "--suppress-health-check=all",
        "--request-timeout=20",
        "--workers=1",
        "--no-color",
    ]


@pytest.mark.parametrize("user", sorted(PHASES))
@pytest.mark.parametrize("service", SERVICES)
async def test_the_api_keeps_to_its_document_under_fuzzing(
    fuzzed: Stack, service: str, user: str, tmp_path: Path
) -> None:
    command = schemathesis_run(fuzzed.url(service), user)
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(REPO)}

    run = await asyncio.to_thread(
        subprocess.run, command, env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )

    assert run.returncode == 0, f"schemathesis found failures in {service} as {user}:\n{run.stdout[-20000:]}"
