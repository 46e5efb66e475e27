"""The local blob store: content-addressed (a blob is named by the SHA-256 of its bytes, equal bytes kept once),
streamed in and out, refused past its limit without leaving anything behind."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from leadline.communications.adapters.blobs import CHUNK_BYTES, BlobNotFound, BlobTooLarge, LocalBlobStore


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


async def test_bytes_are_named_by_their_sha256_kept_once_and_streamed_back(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, max_bytes=4 * CHUNK_BYTES)
    data = bytes(range(256)) * (CHUNK_BYTES // 64)  # several chunks

    blob = await store.put(data)
    again = await store.put(data)

    assert blob == again
    assert (blob.sha256, blob.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert files_under(tmp_path) == [tmp_path / blob.sha256[:2] / blob.sha256]
    opened = await store.open(blob.sha256)
    chunks = [chunk async for chunk in opened.chunks]
    assert (opened.size, b"".join(chunks), len(chunks) > 1) == (len(data), data, True)


async def test_a_stream_past_the_limit_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, max_bytes=1000)
    async with store.spool() as spool:
        await spool.write(b"x" * 1000)  # at the limit: fine
        with pytest.raises(BlobTooLarge) as refused:
            await spool.write(b"x")
    assert refused.value.limit == 1000
    assert files_under(tmp_path) == []


async def test_a_blob_the_store_lacks_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(BlobNotFound):
        await LocalBlobStore(tmp_path, max_bytes=1000).open(hashlib.sha256(b"never stored").hexdigest())
