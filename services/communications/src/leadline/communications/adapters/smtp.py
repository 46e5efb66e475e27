"""The company's SMTP server (relay), as the sending queue speaks to it through aiosmtplib: one connection per
e-mail, STARTTLS or TLS and a login as the settings say. The envelope (MAIL FROM, RCPT TO) and the message (DATA)
are separate steps, so the queue can note that it hands the message over between them (see domain/outbound.py).

What goes wrong comes out as one of two kinds: the server answered with a refusal (``Refused``, with its code:
4xx for now, 5xx for good), or the server could not be talked to (``Unreachable``)."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiosmtplib


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def permanent(self) -> bool:
        return self.code >= 500


class Unreachable(Exception):
    pass


@dataclass(frozen=True)
class RelaySettings:
    host: str
    port: int
    security: Literal["ssl", "starttls", "none"]
    username: str
    password: str
    timeout_seconds: float
    ca_file: Path | None = None


class RelaySession:
    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client

    async def envelope(self, sender: str, recipients: Sequence[str]) -> None:
        """MAIL FROM and RCPT TO: every recipient must be accepted, or nothing is sent."""
        with _translated():
            await self._client.mail(sender)
            for recipient in recipients:
                await self._client.rcpt(recipient)

    async def data(self, message: bytes) -> None:
        with _translated():
            await self._client.data(message)


class SmtpRelay:
    def __init__(self, settings: RelaySettings) -> None:
        self._settings = settings

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[RelaySession]:
        settings = self._settings
        context = ssl.create_default_context(cafile=settings.ca_file) if settings.security != "none" else None
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username or None,
            password=settings.password or None,
            timeout=settings.timeout_seconds,
            use_tls=settings.security == "ssl",
            start_tls=settings.security == "starttls",
            tls_context=context,
        )
        with _translated():
            await client.connect()
        try:
            yield RelaySession(client)
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except aiosmtplib.SMTPRecipientRefused as error:
        raise Refused(error.code, f"{error.code} {error.message} ({error.recipient})") from error
    except aiosmtplib.SMTPResponseException as error:
        raise Refused(error.code, f"{error.code} {error.message}") from error
    except (aiosmtplib.SMTPException, OSError) as error:
        raise Unreachable(f"the SMTP server could not be reached: {error}") from error
