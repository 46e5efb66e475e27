"""A blob store in any S3-compatible object store (AWS S3, MinIO, Ceph, Garage…), spoken to over the S3 REST API
with httpx and AWS Signature Version 4 (``sign``): three calls (HEAD, GET and PUT of an object) need no SDK.

A blob is the object ``<prefix><sha256>`` of the bucket. The payload hash SigV4 signs is the blob's own SHA-256,
which the store knows before uploading (bytes are spooled first), so the service checks every byte it receives.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

import httpx

from leadline.communications.adapters.blobs import BlobNotFound, BlobStore, OpenedBlob
from leadline.contracts.wire.events import StoredBlob

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    region: str


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    credentials: Credentials,
    *,
    at: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers that sign a request (``x-amz-date``, ``x-amz-content-sha256``, ``Authorization``), by AWS
    Signature Version 4. ``headers`` are those to sign besides them; ``host`` is taken from the URL."""
    parts = urlsplit(url)
    amz_date, day = at.strftime("%Y%m%dT%H%M%SZ"), at.strftime("%Y%m%d")
    signed = {
        # The Host header exactly as httpx sends it: lower case, IDNA, without the scheme's default port.
        "host": httpx.URL(url).netloc.decode("ascii"),
        **{name.lower(): value.strip() for name, value in headers.items()},
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": amz_date,
    }
    names = sorted(signed)
    # Names and values encoded once, whether the URL had them encoded or not, then sorted as encoded.
    query = "&".join(
        f"{name}={value}"
        for name, value in sorted(
            (quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~"))
            for name, _, value in (pair.partition("=") for pair in parts.query.split("&") if pair)
        )
    )
    canonical = "\n".join(
        [
            method,
            quote(unquote(parts.path) or "/", safe="/-_.~"),  # likewise
            query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{day}/{credentials.region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{credentials.secret_access_key}".encode()
    for part in (day, credentials.region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
        "Authorization": f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}",
    }


class S3Error(Exception):
    pass


class S3BlobStore(BlobStore):
    """``endpoint``: the store's URL (``https://s3.eu-central-1.amazonaws.com``, ``http://minio:9000``); objects
    are addressed path-style (``<endpoint>/<bucket>/<key>``), which every S3-compatible store understands."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        prefix: str,
        credentials: Credentials,
        max_bytes: int,
        timeout_seconds: float = 30.0,
    ) -> None:
        super().__init__(max_bytes)
        self._base = f"{endpoint.rstrip('/')}/{quote(bucket, safe='')}/"
        self._prefix = prefix
        self._credentials = credentials
        self._http = httpx.AsyncClient(timeout=timeout_seconds)

    def _url(self, sha256: str) -> str:
        return self._base + quote(f"{self._prefix}{sha256}", safe="/-_.~")

    def _signed(self, method: str, url: str, payload_sha256: str, headers: Mapping[str, str] = {}) -> dict[str, str]:
        return {**headers, **sign(method, url, headers, payload_sha256, self._credentials, at=datetime.now(UTC))}

    async def contains(self, sha256: str) -> bool:
        url = self._url(sha256)
        response = await self._http.head(url, headers=self._signed("HEAD", url, EMPTY_SHA256))
        if response.status_code == 404:
            return False
        _raise_for(response, "HEAD")
        return True

    async def open(self, sha256: str) -> OpenedBlob:
        url = self._url(sha256)
        request = self._http.build_request("GET", url, headers=self._signed("GET", url, EMPTY_SHA256))
        response = await self._http.send(request, stream=True)
        if response.status_code != 200:
            await response.aread()
            await response.aclose()
            # A bucket that is not there answers 404 too: that is a store set up wrong, not a blob it lacks.
            if response.status_code == 404 and "<Code>NoSuchBucket</Code>" not in response.text:
                raise BlobNotFound(sha256)
            _raise_for(response, "GET")

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            finally:
                await response.aclose()

        return OpenedBlob(int(response.headers.get("content-length", 0)), chunks())

    async def _put(self, blob: StoredBlob, chunks: AsyncIterator[bytes]) -> None:
        url = self._url(blob.sha256)
        headers = {"content-length": str(blob.size), "content-type": "application/octet-stream"}
        response = await self._http.put(url, content=chunks, headers=self._signed("PUT", url, blob.sha256, headers))
        _raise_for(response, "PUT")

    async def close(self) -> None:
        await self._http.aclose()


def _raise_for(response: httpx.Response, method: str) -> None:
    if response.status_code >= 300:
        raise S3Error(f"the object store answered {method} with {response.status_code}: {response.text[:300]}")
