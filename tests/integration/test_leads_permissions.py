"""Issue 3's permission matrix, every cell: a salesperson reads every lead but changes only their
own (and creates leads for themselves); a manager does everything, configuration and reassigning
included. Each cell runs on a fresh lead owned by anna."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tests.support.kafka import LocalKafka, new_namespace
from tests.support.services import RunningService, auth, running_service

pytestmark = pytest.mark.kafka

Operation = Callable[[httpx.AsyncClient, str, dict[str, str]], Awaitable[httpx.Response]]


async def create_another_lead(http: httpx.AsyncClient) -> str:
    response = await http.post("/leads", json={"name": "Another of anna's"}, headers=auth("anna"))
    return str(response.json()["id"])


OPERATIONS: dict[str, Operation] = {
    "read the lead": lambda http, lead, h: http.get(f"/leads/{lead}", headers=h),
    "read its card": lambda http, lead, h: http.get(f"/leads/{lead}/card", headers=h),
    "list leads": lambda http, lead, h: http.get("/leads", headers=h),
    "edit": lambda http, lead, h: http.patch(f"/leads/{lead}", json={"probability": 50}, headers=h),
    "move status": lambda http, lead, h: http.post(
        f"/leads/{lead}/status", json={"status_code": "qualification"}, headers=h
    ),
    "move its kanban card": lambda http, lead, h: http.post(
        f"/kanban/cards/{lead}/move", json={"status_code": "qualification"}, headers=h
    ),
    "mark lost": lambda http, lead, h: http.post(f"/leads/{lead}/lost", json={"lost_reason_code": "price"}, headers=h),
    "add a deal": lambda http, lead, h: http.post(
        f"/leads/{lead}/deals",
        json={"name": "Racks", "pipeline_code": "sales", "stage_code": "discovery", "value": "100.00"},
        headers=h,
    ),
    "delete": lambda http, lead, h: http.delete(f"/leads/{lead}", headers=h),
    "reassign": lambda http, lead, h: http.patch(f"/leads/{lead}", json={"salesperson_id": "piotr"}, headers=h),
    "merge another lead into it": lambda http, lead, h: _merge(http, lead, h),
    "create a lead for themselves": lambda http, lead, h: http.post("/leads", json={"name": "Own"}, headers=h),
    "create a lead for someone else": lambda http, lead, h: http.post(
        "/leads", json={"name": "Theirs", "salesperson_id": "marta"}, headers=h
    ),
    "configure reference data": lambda http, lead, h: http.post(
        "/reference/tag", json={"code": f"t-{uuid.uuid4().hex[:6]}", "name": "New tag"}, headers=h
    ),
    "change a setting": lambda http, lead, h: http.put("/settings/order_type", json={"value": "ZS"}, headers=h),
}


async def _merge(http: httpx.AsyncClient, lead: str, headers: dict[str, str]) -> httpx.Response:
    other = await create_another_lead(http)
    return await http.post(f"/leads/{lead}/merge", json={"merged_lead_id": other}, headers=headers)


# anna owns the lead, piotr is another salesperson, marta is a manager.
ALLOWED = {
    "anna": {
        "read the lead",
        "read its card",
        "list leads",
        "edit",
        "move status",
        "move its kanban card",
        "mark lost",
        "add a deal",
        "delete",
        "create a lead for themselves",
    },
    "piotr": {"read the lead", "read its card", "list leads", "create a lead for themselves"},
    "marta": set(OPERATIONS),
}


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite database for the whole matrix: the cells differ in who asks, not in storage."""
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('permissions')}/leads.db"


@pytest.fixture(scope="module")
async def leads(kafka: LocalKafka, database_url: str) -> AsyncIterator[RunningService]:

    namespace = await new_namespace(kafka)
    async with running_service(
        "leads", database_url=database_url, bootstrap=kafka.bootstrap, topic_prefix=namespace
    ) as svc:
        yield svc


@pytest.mark.parametrize("user", sorted(ALLOWED))
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_the_permission_matrix(leads: RunningService, user: str, operation: str) -> None:
    lead = await create_another_lead(leads.http)

    response = await OPERATIONS[operation](leads.http, lead, auth(user))

    if operation in ALLOWED[user]:
        assert response.is_success, f"{user} may {operation}: {response.status_code} {response.text}"
    else:
        assert response.status_code == 403, f"{user} may not {operation}: {response.status_code} {response.text}"
        assert response.headers["content-type"] == "application/problem+json"
