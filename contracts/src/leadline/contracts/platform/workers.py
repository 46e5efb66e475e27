"""``WEB_CONCURRENCY`` worker processes serving one service: each a whole replica (HTTP, consumers, outbox relay)
accepting on one shared API socket, as replicas on PostgreSQL already take turns (leadline.contracts.platform.locks).

The supervising process serves the management port itself: /health (it is alive), /ready (every worker ready)
and /metrics (every worker's, labelled ``worker``), asking each worker on a loopback port of that worker's own.
A worker that dies after it started is started again; one that dies while starting stops the service with a
non-zero exit (a start that fails would fail again, and the orchestrator's back-off is the better judge).
SIGTERM or SIGINT stops every worker gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from leadline.contracts.platform.http import Health, health_router
from leadline.contracts.platform.metrics import by_worker
from leadline.contracts.platform.serving import GRACEFUL_SHUTDOWN_SECONDS, configure_logging, listening, run_server
from leadline.contracts.platform.settings import ServiceSettings

log = logging.getLogger(__name__)

# A worker's shutdown: uvicorn's graceful wait, then the consumers' and producer's bounded stop (runtime.py).
WORKER_STOP_SECONDS = GRACEFUL_SHUTDOWN_SECONDS + 45
# A worker's /ready pings the broker for up to 2 s; its /metrics measures lag and the outbox backlog.
WORKER_ANSWER_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

CreateApp = Callable[[ServiceSettings], FastAPI]


@dataclass
class _Worker:
    """One slot of the pool: its loopback management socket stays open across the processes that fill the slot,
    so the supervisor's address for it never changes."""

    index: int
    management: socket.socket
    process: SpawnProcess | None = None
    started: Event | None = None

    @property
    def name(self) -> str:
        return str(self.index)

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management.getsockname()[1]}"

    @property
    def serving(self) -> bool:
        """Started and not since ended; else its socket only queues what is sent to it."""
        return (
            self.process is not None
            and self.process.exitcode is None
            and self.started is not None
            and self.started.is_set()
        )


@dataclass
class _Supervisor:
    settings: ServiceSettings
    create_app: CreateApp
    api: socket.socket
    workers: list[_Worker]
    _spawn: multiprocessing.context.SpawnContext = field(default_factory=lambda: multiprocessing.get_context("spawn"))

    def start(self, worker: _Worker) -> None:
        # Spawned, not forked: a fresh interpreter holds no copy of the supervisor's event loop or connections.
        worker.started = self._spawn.Event()
        worker.process = self._spawn.Process(
            target=_work,
            args=(self.settings, self.create_app, self.api, worker.management, worker.started, os.getpid()),
            name=f"{self.settings.service}-worker-{worker.index}",
        )
        worker.process.start()
        log.info("worker %s started (pid %s)", worker.name, worker.process.pid)

    async def run(self, management: socket.socket) -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        server = _SignalsLeftToSupervisor(
            uvicorn.Config(_management_app(self.workers), log_level=self.settings.log_level.lower(), lifespan="off")
        )
        serving = asyncio.create_task(server.serve(sockets=[management]))
        for worker in self.workers:
            self.start(worker)
        try:
            return await self._supervise(stop)
        finally:
            await self._stop_all()
            server.should_exit = True
            await serving

    async def _supervise(self, stop: asyncio.Event) -> int:
        stopping = asyncio.create_task(stop.wait())
        while True:
            exits = {asyncio.create_task(_exited(worker)): worker for worker in self.workers}
            done, _ = await asyncio.wait([stopping, *exits], return_when=asyncio.FIRST_COMPLETED)
            for waiting in exits:
                waiting.cancel()
            # Each took its reader off the sentinel once done: before anyone else may put one on.
            await asyncio.gather(*exits, return_exceptions=True)
            if stopping in done:
                log.info("stopping %d workers", len(self.workers))
                return 0
            for worker in (worker for task, worker in exits.items() if task in done):
                assert worker.process is not None
                assert worker.started is not None
                worker.process.join()
                code = worker.process.exitcode
                if not worker.started.is_set():
                    log.error("worker %s exited with %s before it started serving; stopping", worker.name, code)
                    return 1
                log.warning("worker %s exited with %s; starting another in its place", worker.name, code)
                self.start(worker)

    async def _stop_all(self) -> None:
        running = [w for w in self.workers if w.process is not None and w.process.exitcode is None]
        for worker in running:
            assert worker.process is not None
            worker.process.terminate()
        for worker in running:
            assert worker.process is not None
            try:
                async with asyncio.timeout(WORKER_STOP_SECONDS):
                    await _exited(worker)
            except TimeoutError:
                log.error("worker %s did not stop within %ds; killing it", worker.name, WORKER_STOP_SECONDS)
                worker.process.kill()
            worker.process.join()


def serve_workers(settings: ServiceSettings, create_app: CreateApp) -> int:
    """Until SIGTERM or SIGINT (exit 0), or a worker failing to start (exit 1)."""
    api = listening(settings.http_host, settings.http_port)
    management = listening(settings.management_host, settings.management_port)
    workers = [_Worker(index, listening("127.0.0.1", 0)) for index in range(settings.web_concurrency)]
    log.info(
        "API on %s:%s served by %d workers; management (/health, /ready, /metrics) on %s:%s",
        settings.http_host,
        settings.http_port,
        settings.web_concurrency,
        settings.management_host,
        settings.management_port,
    )
    return asyncio.run(_Supervisor(settings, create_app, api, workers).run(management))


def _work(
    settings: ServiceSettings,
    create_app: CreateApp,
    api: socket.socket,
    management: socket.socket,
    started: Event,
    supervisor: int,
) -> None:
    """A worker: the whole service on the shared API socket and its own management socket."""
    _stop_with_supervisor(supervisor)
    configure_logging(settings)
    run_server(create_app(settings), settings, api, management, on_started=started.set)


def _stop_with_supervisor(supervisor: int) -> None:
    """A supervisor killed outright (SIGKILL, OOM) cannot stop its workers; left running they would hold the API
    socket against the supervisor started in its place. On Linux the kernel sends them SIGTERM instead."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:  # it died before the request above
        sys.exit("the supervising process is gone")


async def _exited(worker: _Worker) -> None:
    """Returns once the worker's process has ended (its sentinel becomes readable)."""
    assert worker.process is not None
    sentinel = worker.process.sentinel
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def end() -> None:
        if not ended.done():
            ended.set_result(None)

    loop.add_reader(sentinel, end)
    try:
        await ended
    finally:
        loop.remove_reader(sentinel)


class _SignalsLeftToSupervisor(uvicorn.Server):
    """The management server of the supervisor: the supervisor, not uvicorn, decides what a signal stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _management_app(workers: Sequence[_Worker]) -> FastAPI:
    app = FastAPI(title="Leadline workers' management", openapi_url=None)
    app.state.workers = workers
    app.include_router(health_router)
    app.include_router(_management_router)
    return app


_management_router = APIRouter()


@_management_router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """Ready once every worker is: a missing worker is missing capacity."""
    answers = await _ask_every_worker(request.app.state.workers, "/ready")
    checks: dict[str, str] = {}
    for worker, answer in answers:
        if answer is None:
            checks[f"worker {worker}"] = "not serving"
            continue
        checks.update({f"worker {worker}: {name}": state for name, state in answer.json().get("checks", {}).items()})
        checks[f"worker {worker}"] = "ok" if answer.status_code == 200 else "not ready"
    ok = all(answer is not None and answer.status_code == 200 for _, answer in answers)
    return JSONResponse(
        Health(status="ok" if ok else "unavailable", checks=checks).model_dump(), status_code=200 if ok else 503
    )


@_management_router.get("/metrics")
async def metrics(request: Request) -> Response:
    answers = await _ask_every_worker(request.app.state.workers, "/metrics")
    expositions = {worker: answer.text if answer and answer.status_code == 200 else None for worker, answer in answers}
    return Response(by_worker(expositions), media_type=CONTENT_TYPE_LATEST)


async def _ask_every_worker(workers: Sequence[_Worker], path: str) -> list[tuple[str, httpx.Response | None]]:
    async def ask(http: httpx.AsyncClient, worker: _Worker) -> tuple[str, httpx.Response | None]:
        if not worker.serving:
            return worker.name, None
        try:
            return worker.name, await http.get(worker.management_url + path)
        except httpx.HTTPError:  # restarting, or stuck: reported as such, not waited for
            return worker.name, None

    async with httpx.AsyncClient(timeout=WORKER_ANSWER_SECONDS) as http:
        return list(await asyncio.gather(*(ask(http, worker) for worker in workers)))
