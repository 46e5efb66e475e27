"""The blob store: where raw messages and attachments are kept, so that events only refer to them.

Content-addressed: a blob is named by the SHA-256 of its bytes, so storing the same bytes twice (a retried
delivery, one attachment in many messages) keeps one copy, and a name can never point at other bytes. One small
interface, two stores: a local directory (the default) and any S3-compatible object store (``adapters/s3.py``).

Bytes come in as a stream and are spooled (in memory while small, then in a temporary file) while their hash and
size are taken, so a caller never holds a whole message to learn its name; a blob larger than the store's limit is
refused as soon as the stream passes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from leadline.contracts.wire.events import StoredBlob

CHUNK_BYTES = 256 * 1024
# A spool stays in memory up to this size, then moves to a temporary file.
SPOOL_IN_MEMORY_BYTES = 1024 * 1024


class BlobTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class BlobNotFound(Exception):
    pass


class Spool:
    """Bytes on their way into the store: written in pieces, hashed and counted as they come."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115

    async def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise BlobTooLarge(self.limit)
        self._hash.update(chunk)
        if self.size > SPOOL_IN_MEMORY_BYTES:  # on disk by now
            await asyncio.to_thread(self.file.write, chunk)
        else:
            self.file.write(chunk)

    @property
    def blob(self) -> StoredBlob:
        return StoredBlob(sha256=self._hash.hexdigest(), size=self.size)

    async def chunks(self) -> AsyncIterator[bytes]:
        self.file.seek(0)
        while chunk := await asyncio.to_thread(self.file.read, CHUNK_BYTES):
            yield chunk

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class OpenedBlob:
    """A blob found in the store, ready to be streamed once."""

    size: int
    chunks: AsyncIterator[bytes]


class BlobStore(ABC):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    @contextlib.asynccontextmanager
    async def spool(self) -> AsyncIterator[Spool]:
        """A spool for bytes that may become a blob (``keep``); its temporary space is freed at the end."""
        spool = Spool(self.max_bytes)
        try:
            yield spool
        finally:
            spool.close()

    async def keep(self, spool: Spool) -> StoredBlob:
        """Stores what was spooled (unless the store has those bytes already) and names it."""
        blob = spool.blob
        if not await self.contains(blob.sha256):
            await self._put(blob, spool.chunks())
        return blob

    async def put(self, data: bytes) -> StoredBlob:
        """Stores bytes already in memory (an attachment taken out of a parsed message)."""
        async with self.spool() as spool:
            await spool.write(data)
            return await self.keep(spool)

    async def read_all(self, sha256: str) -> bytes:
        opened = await self.open(sha256)
        return b"".join([chunk async for chunk in opened.chunks])

    @abstractmethod
    async def contains(self, sha256: str) -> bool: ...

    @abstractmethod
    async def open(self, sha256: str) -> OpenedBlob:
        """The blob, ready to stream; BlobNotFound (before anything is streamed) when the store lacks it."""

    @abstractmethod
    async def _put(self, blob: StoredBlob, chunks: AsyncIterator[bytes]) -> None: ...

    async def close(self) -> None:
        return None


class LocalBlobStore(BlobStore):
    """Blobs as files under one directory, ``<root>/<first two hex digits>/<sha256>``. A blob is written to a
    temporary file beside them and renamed into place once complete and on disk: a reader never sees half of one."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def contains(self, sha256: str) -> bool:
        return await asyncio.to_thread(self._path(sha256).is_file)

    async def open(self, sha256: str) -> OpenedBlob:
        try:
            file = await asyncio.to_thread(self._path(sha256).open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        size = os.fstat(file.fileno()).st_size

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
                    yield chunk
            finally:
                file.close()

        return OpenedBlob(size, chunks())

    async def _put(self, blob: StoredBlob, chunks: AsyncIterator[bytes]) -> None:
        final = self._path(blob.sha256)
        await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
        partial = final.parent / f".{blob.sha256}.{uuid.uuid4().hex}.partial"
        file = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in chunks:
                await asyncio.to_thread(file.write, chunk)
            await asyncio.to_thread(file.flush)
            await asyncio.to_thread(os.fsync, file.fileno())
        except BaseException:
            file.close()
            partial.unlink(missing_ok=True)
            raise
        file.close()
        await asyncio.to_thread(os.replace, partial, final)
