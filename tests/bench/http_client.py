"""The load generator's HTTP client: HTTP/1.1 over one kept-alive connection, JSON in and out, nothing else.

The bench shares the machine with what it measures, so its own CPU is taken from the services and the baselines.
httpx spent about 1.9 ms of CPU per request: driving the baseline endpoint, the bench used 0.95 of a core, more than
the endpoint itself, and so capped the baseline's figure. Here a request costs a write and two reads.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpError(Exception):
    pass


class JsonConnection:
    """One connection to ``base_url``; requests on it go one at a time."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"an http://host:port URL, not {base_url!r}")
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> JsonConnection:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def post(self, path: str, body: Any) -> Any:
        """The JSON the server answered with; HttpError for an answer that is not 2xx."""
        if self._reader is None or self._writer is None:
            raise RuntimeError("use the connection in an async with")
        content = json.dumps(body).encode()
        head = (
            f"POST {self._prefix}{path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n{self._headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
        )
        self._writer.write(head.encode() + content)
        status_line, _, header_block = (await self._reader.readuntil(b"\r\n\r\n")).decode().partition("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_block.split("\r\n") if line)
        }
        if "content-length" not in headers:
            raise HttpError(f"an answer without Content-Length ({status_line}): this client reads no other")
        answer = await self._reader.readexactly(int(headers["content-length"]))
        status = int(status_line.split(" ", 2)[1])
        if not 200 <= status < 300:
            raise HttpError(f"POST {path}: {status_line}: {answer[:500]!r}")
        return json.loads(answer)
