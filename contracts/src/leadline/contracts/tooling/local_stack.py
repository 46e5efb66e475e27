"""Runs the four services as local processes: ``make run`` uses it, ``make cluster`` (two replicas of each,
restarted when they die) and the end-to-end tests too.

Each replica is started as ``python -m leadline.<service> serve`` (migrate, then serve) with its
settings in the environment, and counts as up once ``/ready`` on its management port answers 200.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from leadline.contracts.platform.settings import MANAGEMENT_PORT_OFFSET
from leadline.contracts.tooling.services import service_names

# Replica n of a service listens on the service's port + 10·n (leads 8001, 8011, …), its management port 100 above.
REPLICA_PORT_STEP = 10


def service_ports(base: int) -> dict[str, int]:
    """The services' ports from ``base``: leads base+1, communications +2, documents +3, reporting +4."""
    return {name: base + n for n, name in enumerate(service_names(), start=1)}


SERVICE_PORTS = service_ports(8000)


def mail_ports(base: int) -> dict[str, int]:
    """Where `make run`'s communications takes mail from an MTA (LMTP, base+25) and sends it to (an SMTP server on
    base+26: `make demo` runs one there, standing for the company's relay)."""
    return {"lmtp": base + 25, "relay": base + 26}


def local_mail_settings(base: int, environ: Mapping[str, str]) -> dict[str, str]:
    """Communications' mail settings for `make run`, each group only where the environment sets none of its own: the
    LMTP receiver for the demo's addresses, and sending through the relay on 127.0.0.1 (plain SMTP, loopback)."""
    ports, settings = mail_ports(base), dict[str, str]()
    if "MAIL_RECEIVER_PORT" not in environ:
        settings |= {"MAIL_RECEIVER_PORT": str(ports["lmtp"])}
        if not {"MAIL_RECIPIENT_DOMAINS", "MAIL_RECIPIENT_ADDRESSES"} & environ.keys():
            settings |= {"MAIL_RECIPIENT_DOMAINS": "leadline.example"}
    if "SMTP_HOST" not in environ:
        settings |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(ports["relay"]), "SMTP_SECURITY": "none"}
        if "MAIL_FROM_ADDRESS" not in environ:
            settings |= {"MAIL_FROM_ADDRESS": "sales@leadline.example"}
    return settings


@dataclass
class ServiceProcess:
    service: str
    port: int
    management_port: int
    env: Mapping[str, str]
    log_path: Path | None = None
    replica: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    restarts: int = field(default=0, init=False)
    _log: IO[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def management_url(self) -> str:
        """Where /health, /ready and /metrics are served."""
        return f"http://127.0.0.1:{self.management_port}"

    @property
    def name(self) -> str:
        return f"{self.service}#{self.replica}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        env = {**os.environ, **self.env, "HTTP_PORT": str(self.port), "MANAGEMENT_PORT": str(self.management_port)}
        if self.log_path is not None and self._log is None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"leadline.{self.service}", "serve"],
            env=env,
            stdout=self._log if self._log else subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if self._log is None:
            threading.Thread(target=self._echo, daemon=True).start()

    def _echo(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            sys.stdout.write(f"{self.name if self.replica else self.service:>16} | {line.decode(errors='replace')}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}; see {self.log_path or 'output'}"
                )
            try:
                with urllib.request.urlopen(f"{self.management_url}/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling a process we do not control; the deadline bounds it
        raise TimeoutError(f"{self.name} not ready on {self.url} within {timeout:.0f}s")

    def terminate(self) -> None:
        """Asks the replica to stop (SIGTERM: a graceful shutdown); ``stop`` waits for it."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 20.0) -> None:
        self.terminate()
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """Dies without cleaning up, as a crashed process would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def describe(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "replica": self.replica,
            "url": self.url,
            "management_url": self.management_url,
            "pid": self.process.pid if self.alive and self.process else None,
            "restarts": self.restarts,
            "log": str(self.log_path) if self.log_path else None,
        }


class LocalStack:
    """``replicas`` processes of each service (on the service's port + 10·n), sharing ``env`` and each
    service's ``service_env`` (e.g. its ``DATABASE_URL``). ``management_ports``: default each API port + 100,
    as the services' own default."""

    def __init__(
        self,
        env: Mapping[str, str],
        ports: Mapping[str, int] = SERVICE_PORTS,
        log_dir: Path | None = None,
        management_ports: Mapping[str, int] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        *,
        replicas: int = 1,
    ) -> None:
        def log_path(name: str, replica: int) -> Path | None:
            if log_dir is None:
                return None
            return log_dir / (f"{name}.log" if replicas == 1 else f"{name}-{replica}.log")

        self.replicas: dict[str, list[ServiceProcess]] = {
            name: [
                ServiceProcess(
                    name,
                    port + REPLICA_PORT_STEP * replica,
                    (management_ports or {}).get(name, port + MANAGEMENT_PORT_OFFSET) + REPLICA_PORT_STEP * replica,
                    {**env, **(service_env or {}).get(name, {})},
                    log_path(name, replica),
                    replica,
                )
                for replica in range(replicas)
            ]
            for name, port in ports.items()
        }

    @property
    def services(self) -> dict[str, ServiceProcess]:
        """Each service's first replica (its only one unless there are more)."""
        return {name: replicas[0] for name, replicas in self.replicas.items()}

    def all(self) -> list[ServiceProcess]:
        return [replica for replicas in self.replicas.values() for replica in replicas]

    def start(self, timeout: float = 90.0) -> None:
        for replica in self.all():
            replica.start()
        for replica in self.all():
            replica.wait_ready(timeout)

    def stop(self) -> None:
        # Every replica is asked first, so their graceful shutdowns overlap instead of queueing.
        for replica in self.all():
            replica.terminate()
        for replica in self.all():
            replica.stop()

    def supervise(self, *, restart: bool, state: Path | None = None, poll_seconds: float = 0.2) -> None:
        """Until interrupted. A replica that exits is started again with ``restart`` (as an orchestrator
        restarts a pod whose process died); without it the others are stopped too. ``state``: a JSON file
        kept current with every replica's URL and pid, for tools that kill replicas on purpose."""
        self._write_state(state)
        while True:
            for replica in self.all():
                if replica.alive:
                    continue
                assert replica.process is not None
                if not restart:
                    print(f"{replica.name} exited with {replica.process.returncode}; stopping", file=sys.stderr)
                    return
                print(f"{replica.name} exited with {replica.process.returncode}; restarting", file=sys.stderr)
                replica.restarts += 1
                replica.start()
                self._write_state(state)
            time.sleep(poll_seconds)  # watching processes we do not control; nothing to wait on instead

    def _write_state(self, state: Path | None) -> None:
        if state is None:
            return
        state.parent.mkdir(parents=True, exist_ok=True)
        written = state.with_suffix(".tmp")
        written.write_text(json.dumps({"replicas": [r.describe() for r in self.all()]}, indent=2))
        written.replace(state)  # readers never see half a file


def _stop_on_signals() -> None:
    """Ctrl-C, and also SIGTERM or a SIGINT that a shell running us in the background would
    ignore, stop the services before we exit rather than leaving them running."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _service_setting(values: Sequence[str], variable: str) -> dict[str, dict[str, str]]:
    settings: dict[str, dict[str, str]] = {}
    for value in values:
        service, _, setting = value.partition("=")
        if service not in service_names() or not setting:
            raise SystemExit(
                f"expected <service>=<value> with a service of {', '.join(service_names())}; got {value!r}"
            )
        settings[service] = {variable: setting}
    return settings


def _service_env(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    settings = _service_setting(args.database_url, "DATABASE_URL")
    if args.replicas == 1:  # replicas would each bind the receiver's port
        settings["communications"] = {
            **local_mail_settings(args.port_base, os.environ),
            **settings.get("communications", {}),
        }
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the four Leadline services until Ctrl-C.")
    parser.add_argument("--data-dir", default=os.environ.get("DATA_DIR", ".local/data"))
    parser.add_argument("--replicas", type=int, default=1, help="processes per service [1]")
    parser.add_argument("--port-base", type=int, default=8000, help="leads on base+1 … reporting on base+4 [8000]")
    parser.add_argument(
        "--database-url", action="append", default=[], metavar="SERVICE=URL", help="a service's DATABASE_URL"
    )
    parser.add_argument("--log-dir", type=Path, help="one log file per replica instead of this terminal")
    parser.add_argument("--state", type=Path, help="keep a JSON file of the replicas' URLs and pids")
    parser.add_argument("--restart", action="store_true", help="start a replica again when it exits")
    args = parser.parse_args()
    _stop_on_signals()
    stack = LocalStack(
        {"DATA_DIR": args.data_dir},
        service_ports(args.port_base),
        args.log_dir,
        replicas=args.replicas,
        service_env=_service_env(args),
    )
    try:
        stack.start(timeout=180.0 if args.replicas > 1 else 90.0)
        print("\nLeadline is up (Ctrl-C stops it):")
        for name, replicas in stack.replicas.items():
            for replica in replicas:
                print(
                    f"  {name:<15} {replica.url}   docs: {replica.url}/docs   ready, metrics: {replica.management_url}"
                )
        print("  tokens:         .venv/bin/leadline-token anna|piotr|marta\n", flush=True)
        stack.supervise(restart=args.restart, state=args.state)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
