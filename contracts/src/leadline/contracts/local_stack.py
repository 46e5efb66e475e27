"""Runs the four services as local processes: ``make run`` uses it, and so do the end-to-end tests.

Each service is started as ``python -m leadline.<service> serve`` (migrate, then serve) with its
settings in the environment, and counts as up once ``/ready`` on its management port answers 200.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from leadline.contracts.settings import MANAGEMENT_PORT_OFFSET

SERVICE_PORTS = {"leads": 8001, "communications": 8002, "documents": 8003, "reporting": 8004}


@dataclass
class ServiceProcess:
    service: str
    port: int
    management_port: int
    env: Mapping[str, str]
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _log: IO[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def management_url(self) -> str:
        """Where /health, /ready and /metrics are served."""
        return f"http://127.0.0.1:{self.management_port}"

    def start(self) -> None:
        env = {**os.environ, **self.env, "HTTP_PORT": str(self.port), "MANAGEMENT_PORT": str(self.management_port)}
        if self.log_path is not None:
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
            sys.stdout.write(f"{self.service:>14} | {line.decode(errors='replace')}")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.service} exited with {self.process.returncode}; see {self.log_path or 'output'}"
                )
            try:
                with urllib.request.urlopen(f"{self.management_url}/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)  # polling a process we do not control; the deadline bounds it
        raise TimeoutError(f"{self.service} not ready on {self.url} within {timeout:.0f}s")

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
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


class LocalStack:
    def __init__(
        self,
        env: Mapping[str, str],
        ports: Mapping[str, int] = SERVICE_PORTS,
        log_dir: Path | None = None,
        management_ports: Mapping[str, int] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``management_ports``: default each API port + 100, as the services' own default. ``service_env``:
        settings of one service only, e.g. its own ``DATABASE_URL``."""
        self.services = {
            name: ServiceProcess(
                name,
                port,
                (management_ports or {}).get(name, port + MANAGEMENT_PORT_OFFSET),
                {**env, **(service_env or {}).get(name, {})},
                log_dir / f"{name}.log" if log_dir else None,
            )
            for name, port in ports.items()
        }

    def start(self, timeout: float = 90.0) -> None:
        for service in self.services.values():
            service.start()
        for service in self.services.values():
            service.wait_ready(timeout)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()


def _stop_on_signals() -> None:
    """Ctrl-C, and also SIGTERM or a SIGINT that a shell running us in the background would
    ignore, stop the services before we exit rather than leaving them running."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the four Leadline services until Ctrl-C.")
    parser.add_argument("--data-dir", default=os.environ.get("DATA_DIR", ".local/data"))
    args = parser.parse_args()
    _stop_on_signals()
    stack = LocalStack({"DATA_DIR": args.data_dir})
    try:
        stack.start()
        print("\nLeadline is up (Ctrl-C stops it):")
        for name, service in stack.services.items():
            print(f"  {name:<15} {service.url}   docs: {service.url}/docs   ready, metrics: {service.management_url}")
        print("  tokens:         .venv/bin/leadline-token anna|piotr|marta\n")
        while all(s.process is not None and s.process.poll() is None for s in stack.services.values()):
            time.sleep(0.5)
        print("a service stopped; stopping the others", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
