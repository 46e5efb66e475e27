"""Which local process is which, read from Linux's /proc: a service's worker processes, and the one of them at the
other end of an HTTP connection (the kernel hands each new connection on a shared socket to one worker)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

import httpx

PROC = Path("/proc")
_ESTABLISHED = "01"


def spawned_workers(parent: int) -> set[int]:
    """The processes ``parent`` started with multiprocessing's spawn (not its resource tracker)."""
    return {pid for pid in _children(parent) if b"spawn_main" in _read(PROC / str(pid) / "cmdline")}


def running(pid: int) -> bool:
    return (PROC / str(pid)).exists()


def serving_pid(response: httpx.Response, among: Iterable[int]) -> int | None:
    """The process of ``among`` holding the server's end of the loopback connection ``response`` came over, while
    that connection is still open (kept alive in the client's pool)."""
    client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    server_port = response.url.port
    inode = _connection_inode(server_port, client_port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in among:
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            for fd in (PROC / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if fd.readlink().name == target:
                        return pid
    return None


def _connection_inode(local_port: int | None, remote_port: int) -> str | None:
    for line in (PROC / "net" / "tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == _ESTABLISHED and _port(local) == local_port and _port(remote) == remote_port:
            return inode
    return None


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def _children(parent: int) -> set[int]:
    children = set()
    for stat in PROC.glob("[0-9]*/stat"):
        text = _read(stat).decode(errors="replace")
        # pid (command) state ppid …: the command may hold spaces and parentheses, so split after its last ")".
        fields = text[text.rfind(")") + 2 :].split()
        if fields and int(fields[1]) == parent:
            children.add(int(stat.parent.name))
    return children


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process ended meanwhile
        return b""
