"""A cluster of their own for the chaos tests, as `make cluster` makes one: three brokers, a database per service on
the test PostgreSQL server, two replicas of each service. Started once for the package, on free ports."""

from __future__ import annotations

import asyncio
import random
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from deploy.cluster import ClusterLayout, LocalCluster
from tests.support.databases import POSTGRES_SKIP_REASON, postgres_admin_url


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_base(layout: ClusterLayout) -> int:
    """A base whose every port of the cluster is free now (the cluster binds them moments later). Below the
    ephemeral range: there the kernel hands out ports to outgoing connections, the brokers' own to each other
    included, and one could take a port of the cluster before it is bound."""
    ephemeral_start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    for _ in range(100):
        base = rng.randrange(10_000, ephemeral_start - 300, 300)
        offsets = [port - layout.port_base for port in layout.ports]
        if all(_free(base + offset) for offset in offsets):
            return base
    raise RuntimeError("no free block of ports for the cluster")


@pytest.fixture(scope="package")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ClusterLayout]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip(f"the chaos tests run the services on PostgreSQL. {POSTGRES_SKIP_REASON}")
    sketch = ClusterLayout(tmp_path_factory.mktemp("cluster"))
    layout = ClusterLayout(
        sketch.directory,
        port_base=free_port_base(sketch),
        database_prefix=f"leadline_chaos_{uuid.uuid4().hex[:8]}",
    )
    cluster = LocalCluster(layout, postgres_admin_url=admin_url)
    try:
        await asyncio.to_thread(cluster.start)
        yield layout
    finally:
        await asyncio.to_thread(cluster.clean)
