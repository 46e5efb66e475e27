"""A production-shaped Leadline on one machine: three Kafka brokers in one KRaft quorum, PostgreSQL with a
database per service, and two replicas of every service, each started again when it dies.

    .venv/bin/python deploy/cluster.py start    # make cluster: prints the URLs, returns once all is ready
    .venv/bin/python deploy/cluster.py status
    .venv/bin/python deploy/cluster.py stop     # make cluster-stop; the data stays for the next start
    .venv/bin/python deploy/cluster.py clean    # stop, drop its databases, forget its topics (make clean)

The brokers are deploy/kafka/kafka.sh run once per node (the jars of `make run`); PostgreSQL is the local
server of deploy/postgres/start-local.sh (Debian's packages), unless LEADLINE_CLUSTER_POSTGRES_URL names an
admin URL of another; the replicas are leadline.contracts.tooling.local_stack in a process of its own, which
restarts a replica that exits as Kubernetes restarts a pod. Topics get replication factor 3 and
min.insync.replicas=2; the services' producers use acks=all with idempotence (as always).

Ports, from a base (LEADLINE_CLUSTER_PORT_BASE, 19000): brokers base+92, +94, +96 (their controllers one
above each), leads base+101 and base+111, communications +102 and +112, documents +103 and +113,
reporting +104 and +114; each replica's management port (/health, /ready, /metrics) 100 above its API's.
Everything it writes is under .local/cluster/ (LEADLINE_CLUSTER_DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from leadline.contracts.platform.settings import MANAGEMENT_PORT_OFFSET, KafkaSettings
from leadline.contracts.platform.topic_provisioning import provision
from leadline.contracts.tooling.local_stack import REPLICA_PORT_STEP, service_ports
from leadline.contracts.tooling.services import service_names

REPO = Path(__file__).resolve().parents[1]
KAFKA_SH = REPO / "deploy" / "kafka" / "kafka.sh"
START_POSTGRES = REPO / "deploy" / "postgres" / "start-local.sh"
BROKERS = 3
REPLICATION_FACTOR = 3
LAYOUT_FILE = "cluster.json"


@dataclass
class KafkaNode:
    """One broker that deploy/kafka/kafka.sh runs: its ports, its data and run directories under ``workdir``,
    and, in a cluster, its node id, the quorum, the cluster id and the replication factor."""

    workdir: Path
    port: int
    controller_port: int
    node_id: int = 1
    voters: str = ""
    cluster_id: str = ""
    replication_factor: int = 1

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def run_dir(self) -> Path:
        return self.workdir / "run"

    def environment(self) -> dict[str, str]:
        env = {
            "LEADLINE_KAFKA_DATA": str(self.workdir / "data"),
            "LEADLINE_KAFKA_RUN": str(self.run_dir),
            "LEADLINE_KAFKA_PORT": str(self.port),
            "LEADLINE_KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "LEADLINE_KAFKA_NODE_ID": str(self.node_id),
            "LEADLINE_KAFKA_REPLICATION_FACTOR": str(self.replication_factor),
        }
        if self.voters:
            env["LEADLINE_KAFKA_VOTERS"] = self.voters
        if self.cluster_id:
            env["LEADLINE_KAFKA_CLUSTER_ID"] = self.cluster_id
        return env

    def kafka_sh(self, command: str) -> None:
        subprocess.run(["bash", str(KAFKA_SH), command], env={**os.environ, **self.environment()}, check=True)

    def start(self) -> None:
        self.kafka_sh("start")

    def stop(self) -> None:
        self.kafka_sh("stop")

    def pid(self) -> int | None:
        """The JVM's pid while it runs (kafka.sh writes it; the command line confirms it is this broker)."""
        try:
            pid = int((self.run_dir / "kafka.pid").read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"kafka.Kafka" in command else None

    def signal(self, signum: signal.Signals) -> int:
        pid = self.pid()
        if pid is None:
            raise RuntimeError(f"broker {self.node_id} is not running")
        os.kill(pid, signum)
        return pid

    def kill(self) -> None:
        """SIGKILL: the broker dies as a crashed machine would, without a controlled shutdown."""
        pid = self.signal(signal.SIGKILL)
        while Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
            time.sleep(0.05)  # the kernel reaps it within moments; nothing to wait on instead


def _cluster_id() -> str:
    """A random cluster id as Kafka writes them (a UUID in URL-safe base64), never starting with "-", which
    Kafka's own generator avoids too: a command line would read it as an option."""
    while (cluster_id := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
        pass
    return cluster_id


def _is_zombie(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    return False


@dataclass(frozen=True)
class ClusterLayout:
    """Where a cluster lives: its directory, its ports (from ``port_base``), its databases' names."""

    directory: Path
    port_base: int = 19000
    replicas: int = 2
    topic_prefix: str = ""
    database_prefix: str = "leadline_cluster"

    @property
    def brokers(self) -> list[KafkaNode]:
        ports = [self.port_base + 92 + 2 * n for n in range(BROKERS)]
        voters = ",".join(f"{n + 1}@127.0.0.1:{port + 1}" for n, port in enumerate(ports))
        return [
            KafkaNode(
                self.directory / f"kafka-{n + 1}",
                port,
                port + 1,
                node_id=n + 1,
                voters=voters,
                cluster_id=self.cluster_id,
                replication_factor=REPLICATION_FACTOR,
            )
            for n, port in enumerate(ports)
        ]

    @property
    def ports(self) -> list[int]:
        """Every port the cluster listens on: the brokers', and each replica's API and management ports."""
        brokers = [port for broker in self.brokers for port in (broker.port, broker.controller_port)]
        urls = [url for urls in (*self.service_urls().values(), *self.management_urls().values()) for url in urls]
        return brokers + [int(url.rsplit(":", 1)[1]) for url in urls]

    @property
    def bootstrap(self) -> str:
        return ",".join(broker.bootstrap for broker in self.brokers)

    @property
    def cluster_id(self) -> str:
        """Made once and kept: every node formats its data with it, and a restart must find the same."""
        path = self.directory / "cluster-id"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_cluster_id())
        return path.read_text().strip()

    def service_urls(self) -> dict[str, list[str]]:
        """Each service's replicas' APIs."""
        return self._urls(0)

    def management_urls(self) -> dict[str, list[str]]:
        """Where each service's replicas answer /health, /ready and /metrics."""
        return self._urls(MANAGEMENT_PORT_OFFSET)

    def _urls(self, offset: int) -> dict[str, list[str]]:
        return {
            name: [f"http://127.0.0.1:{port + offset + REPLICA_PORT_STEP * n}" for n in range(self.replicas)]
            for name, port in service_ports(self.port_base + 100).items()
        }

    def kafka_settings(self) -> KafkaSettings:
        return KafkaSettings(kafka_bootstrap_servers=self.bootstrap, kafka_topic_prefix=self.topic_prefix)

    @property
    def services_state(self) -> Path:
        """The supervisor's JSON of the replicas' pids, kept current across restarts."""
        return self.directory / "services.json"

    @property
    def supervisor_pid_file(self) -> Path:
        return self.directory / "services.pid"

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fields = {**asdict(self), "directory": str(self.directory)}
        (self.directory / LAYOUT_FILE).write_text(json.dumps(fields, indent=2))

    @classmethod
    def load(cls, directory: Path) -> ClusterLayout:
        fields = json.loads((directory / LAYOUT_FILE).read_text())
        return cls(**{**fields, "directory": Path(fields["directory"])})


class LocalCluster:
    def __init__(self, layout: ClusterLayout, postgres_admin_url: str | None = None) -> None:
        self.layout = layout
        self._postgres_admin_url = postgres_admin_url
        self._supervisor: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 300.0) -> None:
        """Brokers, databases, topics, then the replicas; returns once every replica is ready."""
        self.layout.save()
        brokers = self.layout.brokers
        for broker in brokers:  # together: a node serves only once a majority of the quorum runs
            broker.kafka_sh("launch")
        for broker in brokers:
            broker.kafka_sh("wait")
        created = asyncio.run(provision(self.layout.kafka_settings(), replication_factor=REPLICATION_FACTOR))
        print(created.summary())
        database_urls = asyncio.run(self._databases())
        self._start_services(database_urls)
        self.wait_ready(timeout)

    async def _databases(self) -> dict[str, str]:
        """One database per service, as in production: created when missing, kept across restarts."""
        admin_url = self._postgres_admin_url or self._local_postgres()
        connection = await asyncpg.connect(_libpq(admin_url))
        try:
            urls = {}
            for service in service_names():
                name = f"{self.layout.database_prefix}_{service}"
                if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                    await connection.execute(f'CREATE DATABASE "{name}"')
                urls[service] = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            return urls
        finally:
            await connection.close()

    @staticmethod
    def _local_postgres() -> str:
        url = os.environ.get("LEADLINE_CLUSTER_POSTGRES_URL")
        if url:
            return url
        done = subprocess.run(["bash", str(START_POSTGRES)], check=True, stdout=subprocess.PIPE, text=True)
        return done.stdout.strip().splitlines()[-1]

    def _start_services(self, database_urls: dict[str, str]) -> None:
        if self.supervisor_pid() is not None:
            return
        directory = self.layout.directory
        log = (directory / "services.log").open("ab")
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.layout.bootstrap,
            "KAFKA_TOPIC_PREFIX": self.layout.topic_prefix,
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        command = [
            sys.executable,
            "-m",
            "leadline.contracts.tooling.local_stack",
            "--replicas",
            str(self.layout.replicas),
            "--port-base",
            str(self.layout.port_base + 100),
            "--log-dir",
            str(directory / "services"),
            "--state",
            str(self.layout.services_state),
            "--restart",
            *(f"--database-url={service}={url}" for service, url in database_urls.items()),
        ]
        # A session of its own: it outlives this command, and a Ctrl-C meant for the caller misses it.
        self._supervisor = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.layout.supervisor_pid_file.write_text(str(self._supervisor.pid))

    def supervisor_pid(self) -> int | None:
        try:
            pid = int(self.layout.supervisor_pid_file.read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if b"leadline.contracts.tooling.local_stack" in command and not _is_zombie(pid) else None

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = [url for urls in self.layout.management_urls().values() for url in urls]
        while pending:
            # The process we started, if we did: its command line is not yet the supervisor's right after the fork.
            exited = self._supervisor.poll() is not None if self._supervisor else self.supervisor_pid() is None
            if exited:
                _tail(self.layout.directory / "services.log")
                raise RuntimeError("the services' supervisor exited; see its log above")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready within {timeout:.0f}s: {', '.join(pending)}")
            pending = [url for url in pending if not ready(url)]
            time.sleep(0.5)  # polling processes we do not control; the deadline bounds it

    def stop(self) -> None:
        pid = self.supervisor_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)  # it stops the replicas gracefully, then exits
            deadline = time.monotonic() + 60
            while self.supervisor_pid() is not None and time.monotonic() < deadline:
                time.sleep(0.2)
            if self.supervisor_pid() is not None:
                os.killpg(pid, signal.SIGKILL)
        if self._supervisor is not None:
            self._supervisor.wait()  # started by this process: reap it
            self._supervisor = None
        # All together: one by one, the last two would lose their quorum and wait for it to shut down.
        stopping = [
            subprocess.Popen(["bash", str(KAFKA_SH), "stop"], env={**os.environ, **broker.environment()})
            for broker in self.layout.brokers
        ]
        for process in stopping:
            process.wait()

    def clean(self) -> None:
        """Stops the cluster and forgets its data: the brokers' directories and the services' databases."""
        self.stop()
        asyncio.run(self._drop_databases())
        shutil.rmtree(self.layout.directory)

    async def _drop_databases(self) -> None:
        connection = await asyncpg.connect(_libpq(self._postgres_admin_url or self._local_postgres()))
        try:
            for service in service_names():
                await connection.execute(
                    f'DROP DATABASE IF EXISTS "{self.layout.database_prefix}_{service}" WITH (FORCE)'
                )
        finally:
            await connection.close()

    def status(self) -> bool:
        running = True
        for broker in self.layout.brokers:
            pid = broker.pid()
            running &= pid is not None
            print(f"  kafka {broker.node_id}          {broker.bootstrap:<24} {'pid ' + str(pid) if pid else 'stopped'}")
        management = self.layout.management_urls()
        for name, urls in self.layout.service_urls().items():
            for url, management_url in zip(urls, management[name], strict=True):
                answers = ready(management_url)
                running &= answers
                print(f"  {name:<15} {url:<24} {'ready' if answers else 'not ready'}")
        return running


def ready(management_url: str) -> bool:
    """Whether the replica whose management port is at ``management_url`` answers /ready with 200."""
    try:
        with urllib.request.urlopen(f"{management_url}/ready", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tail(path: Path, lines: int = 40) -> None:
    with contextlib.suppress(OSError):
        print("\n".join(path.read_text(errors="replace").splitlines()[-lines:]), file=sys.stderr)


@contextlib.contextmanager
def _reported_failure() -> Iterator[None]:
    try:
        yield
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as error:
        sys.exit(f"cluster: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="deploy/cluster.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "clean"])
    args = parser.parse_args()
    directory = Path(os.environ.get("LEADLINE_CLUSTER_DIR", REPO / ".local" / "cluster"))
    if args.command == "start":
        layout = ClusterLayout(directory, port_base=int(os.environ.get("LEADLINE_CLUSTER_PORT_BASE", "19000")))
    elif (directory / LAYOUT_FILE).exists():
        layout = ClusterLayout.load(directory)
    else:
        print("no cluster was started here")
        return
    cluster = LocalCluster(layout)
    with _reported_failure():
        if args.command == "start":
            cluster.start()
            print(f"\nLeadline cluster is up (make cluster-stop stops it). Kafka: {layout.bootstrap}")
            cluster.status()
            print(f"  logs:           {layout.directory}/services/, {layout.directory}/kafka-*/run/server.log")
        elif args.command == "stop":
            cluster.stop()
        elif args.command == "clean":
            cluster.clean()
        elif not cluster.status():
            sys.exit(3)


if __name__ == "__main__":
    main()
