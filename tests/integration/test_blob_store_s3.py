"""The S3 blob store against a real S3 API server (S3Proxy, checking every request's Signature Version 4): blobs
named by their SHA-256 under the prefix, streamed in and out, kept once, refused past the limit, missing ones told
apart from a store that is wrong."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
import pytest

from leadline.communications.adapters.blobs import CHUNK_BYTES, SPOOL_IN_MEMORY_BYTES, BlobNotFound, BlobTooLarge
from leadline.communications.adapters.s3 import EMPTY_SHA256, Credentials, S3BlobStore, S3Error, sign
from tests.support.s3proxy import BUCKET, CREDENTIALS, S3Proxy


async def keys_under(s3proxy: S3Proxy, prefix: str) -> list[str]:
    """The bucket's keys under ``prefix``, as the server lists them (ListObjectsV2)."""
    url = f"{s3proxy.endpoint}/{BUCKET}?list-type=2&prefix={quote(prefix, safe='')}"
    async with httpx.AsyncClient() as http:
        response = await http.get(url, headers=sign("GET", url, {}, EMPTY_SHA256, CREDENTIALS, at=datetime.now(UTC)))
    assert response.status_code == 200, response.text
    return re.findall(r"<Key>([^<]*)</Key>", response.text)


async def test_a_blob_is_the_object_named_by_its_sha256_streamed_in_and_out(s3proxy: S3Proxy) -> None:
    # Past the in-memory spool, so the upload streams from a temporary file; a prefix the signature must encode.
    data = bytes(range(256)) * ((SPOOL_IN_MEMORY_BYTES + 3 * CHUNK_BYTES) // 256)
    prefix = f"{s3proxy.new_prefix()}poczta ż+ł/"
    store = s3proxy.store(max_bytes=len(data), prefix=prefix)
    try:
        sha256 = hashlib.sha256(data).hexdigest()
        assert not await store.contains(sha256)

        blob = await store.put(data)

        assert (blob.sha256, blob.size) == (sha256, len(data))
        assert await store.contains(sha256)
        assert await keys_under(s3proxy, prefix) == [f"{prefix}{sha256}"]
        opened = await store.open(sha256)
        assert opened.size == len(data)
        assert b"".join([chunk async for chunk in opened.chunks]) == data
    finally:
        await store.close()


async def test_the_same_bytes_put_twice_are_one_object_and_an_empty_blob_is_one_too(s3proxy: S3Proxy) -> None:
    prefix = s3proxy.new_prefix()
    store = s3proxy.store(max_bytes=1000, prefix=prefix)
    try:
        first, again = await store.put(b"the same attachment"), await store.put(b"the same attachment")
        empty = await store.put(b"")

        assert first == again
        assert empty.size == 0
        assert sorted(await keys_under(s3proxy, prefix)) == sorted(prefix + blob.sha256 for blob in (first, empty))
        assert await store.read_all(first.sha256) == b"the same attachment"
        assert await store.read_all(empty.sha256) == b""
    finally:
        await store.close()


async def test_a_stream_past_the_limit_is_refused_and_nothing_is_uploaded(s3proxy: S3Proxy) -> None:
    prefix = s3proxy.new_prefix()
    store = s3proxy.store(max_bytes=1000, prefix=prefix)
    try:
        async with store.spool() as spool:
            await spool.write(b"x" * 1000)
            with pytest.raises(BlobTooLarge):
                await spool.write(b"x")
        assert await keys_under(s3proxy, prefix) == []
    finally:
        await store.close()


async def test_a_missing_object_is_not_found_but_a_missing_bucket_or_a_wrong_key_is_an_error(
    s3proxy: S3Proxy,
) -> None:
    missing = hashlib.sha256(b"never stored").hexdigest()
    store = s3proxy.store(max_bytes=1000)
    no_bucket = S3BlobStore(
        endpoint=s3proxy.endpoint, bucket="no-such-bucket", prefix="", credentials=CREDENTIALS, max_bytes=1000
    )
    wrong_key = s3proxy.store(max_bytes=1000, credentials=Credentials(CREDENTIALS.access_key_id, "wrong", "us-east-1"))
    try:
        assert not await store.contains(missing)
        with pytest.raises(BlobNotFound):
            await store.open(missing)
        with pytest.raises(S3Error, match="NoSuchBucket"):
            await no_bucket.open(missing)
        with pytest.raises(S3Error, match="NoSuchBucket"):
            await no_bucket.put(b"nowhere to go")
        with pytest.raises(S3Error, match="403"):
            await wrong_key.put(b"refused")
        with pytest.raises(S3Error, match="403"):
            await wrong_key.open(missing)
    finally:
        for opened in (store, no_bucket, wrong_key):
            await opened.close()
