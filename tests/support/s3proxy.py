"""A real S3 API server for the tests of the S3 blob store: S3Proxy (jclouds' filesystem backend under a throw-away
directory), from the jar `make install` fetches (deploy/s3proxy/s3proxy.sh), started once per session on a port of
its own with AWS Signature Version 4 checked. Where the jar (or Java) is missing, the tests that need it are skipped,
saying so."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from leadline.communications.adapters.s3 import EMPTY_SHA256, Credentials, S3BlobStore, sign
from tests.support.repo_layout import REPO
from tests.support.waiting import Deadline

LIB_DIR = Path(os.environ.get("LEADLINE_S3PROXY_HOME", REPO / ".local" / "s3proxy")) / "lib"
JAVA = shutil.which("java")
CREDENTIALS = Credentials("leadline-tests", "leadline-tests-secret", "us-east-1")
BUCKET = "leadline-tests"
START_SECONDS = 90  # a cold JVM on a busy 2-core machine


def jar() -> Path | None:
    return next(iter(sorted(LIB_DIR.glob("s3proxy-*-jar-with-dependencies.jar"))), None)


def skip_reason() -> str | None:
    if JAVA is None:
        return "S3 leg skipped: no `java` on the PATH (S3Proxy needs Java 11+)"
    if jar() is None:
        return (
            f"S3 leg skipped: no S3Proxy jar in {LIB_DIR}; `make install` (or `bash deploy/s3proxy/s3proxy.sh "
            "install`) fetches it"
        )
    return None


@dataclass
class S3Proxy:
    """One S3Proxy: ``endpoint`` speaks the S3 REST API, path-style, admitting only ``CREDENTIALS``; the bucket
    ``BUCKET`` exists. Every test takes a key prefix of its own (``new_prefix``) instead of a bucket."""

    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def _log(self) -> Path:
        return self.root / "s3proxy.log"

    def start(self) -> None:
        (self.root / "data").mkdir()
        properties = {
            "s3proxy.endpoint": self.endpoint,
            "s3proxy.authorization": "aws-v4",
            "s3proxy.identity": CREDENTIALS.access_key_id,
            "s3proxy.credential": CREDENTIALS.secret_access_key,
            "jclouds.provider": "filesystem-nio2",
            "jclouds.filesystem.basedir": str(self.root / "data"),
            # The backend's own login, which a local directory does not check but jclouds asks for.
            "jclouds.identity": "local",
            "jclouds.credential": "local",
        }
        config = self.root / "s3proxy.conf"
        config.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
        path = jar()
        if JAVA is None or path is None:
            raise RuntimeError(skip_reason())
        with self._log.open("wb") as log:  # the server writes to its own copy of the file
            self.process = subprocess.Popen(
                [JAVA, "-Xmx256m", "-jar", str(path), "--properties", str(config)],
                env={**os.environ, "LOG_LEVEL": "warn"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_serving()
        self._create_bucket()

    def _wait_until_serving(self) -> None:
        assert self.process is not None
        deadline = Deadline(START_SECONDS)
        while True:
            try:
                # Any answer of its own (an unsigned request is refused, 403) means it serves.
                httpx.get(self.endpoint, timeout=2)
                return
            except httpx.TransportError:
                pass
            try:
                self.process.wait(timeout=0.1)  # the pause between tries, ended at once should it exit
            except subprocess.TimeoutExpired:
                try:
                    deadline.check(f"S3Proxy serving on {self.endpoint}")
                except AssertionError as late:
                    raise AssertionError(f"{late}; it logged: {self._log.read_text()[-3000:]}") from None
                continue
            raise RuntimeError(f"S3Proxy exited with {self.process.returncode}: {self._log.read_text()[-3000:]}")

    def _create_bucket(self) -> None:
        url = f"{self.endpoint}/{BUCKET}"
        response = httpx.put(url, headers=sign("PUT", url, {}, EMPTY_SHA256, CREDENTIALS, at=datetime.now(UTC)))
        assert response.status_code == 200, f"creating the bucket: {response.status_code} {response.text}"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @staticmethod
    def new_prefix() -> str:
        return f"t{uuid.uuid4().hex[:10]}/"

    def store(
        self, *, max_bytes: int, prefix: str | None = None, credentials: Credentials = CREDENTIALS
    ) -> S3BlobStore:
        """The service's S3 blob store on this server, under a prefix of its own unless one is given."""
        return S3BlobStore(
            endpoint=self.endpoint,
            bucket=BUCKET,
            prefix=self.new_prefix() if prefix is None else prefix,
            credentials=credentials,
            max_bytes=max_bytes,
        )

    def settings(self) -> dict[str, Any]:
        """Communications' settings for a blob store on this server, under a prefix of its own."""
        return {
            "blob_s3_endpoint": self.endpoint,
            "blob_s3_bucket": BUCKET,
            "blob_s3_prefix": self.new_prefix(),
            "blob_s3_region": CREDENTIALS.region,
            "blob_s3_access_key_id": CREDENTIALS.access_key_id,
            "blob_s3_secret_access_key": SecretStr(CREDENTIALS.secret_access_key),
        }


def running(root: Path, port: int) -> Iterator[S3Proxy]:
    """An S3Proxy keeping its objects and log under ``root`` (empty), stopped at the end."""
    server = S3Proxy(root, port)
    try:
        server.start()
        yield server
    finally:
        server.stop()
