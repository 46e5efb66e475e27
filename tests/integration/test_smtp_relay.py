"""Sending through the company's SMTP server as its settings say (adapters/smtp.py), against a real SMTP server
(aiosmtpd over TCP) that speaks TLS with a certificate of a company CA and requires a login: STARTTLS on the
submission port, TLS from the first byte on the submissions port, a wrong password and an untrusted server."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from leadline.communications.adapters.smtp import Refused, RelaySettings, SmtpRelay, Unreachable
from tests.support.kafka import free_port
from tests.support.tls import ServerCertificate, server_certificate

# On the implicit-TLS server AUTH cannot be told to require TLS (aiosmtpd counts only STARTTLS), and warns so.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

USER, PASSWORD = "leadline", "relay-secret"


@dataclass
class Mailroom:
    """Takes every message, noting who had logged in and whether the connection was encrypted."""

    messages: list[tuple[str | None, bool, EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        assert server.transport is not None  # it is answering DATA on it
        self.messages.append((login, server.transport.get_extra_info("ssl_object") is not None, parsed))
        return "250 2.0.0 queued"


def _only_our_user(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=valid, handled=False, auth_data=auth_data if valid else None)


@pytest.fixture
def certificate(tmp_path: Path) -> ServerCertificate:
    return server_certificate(tmp_path)


@pytest.fixture(params=["starttls", "ssl"])
def server(request: pytest.FixtureRequest, certificate: ServerCertificate) -> Iterator[tuple[Mailroom, int, str]]:
    """The company's server: STARTTLS required before a login on 587-style submission, or TLS from the first byte
    as on 465; a login required before any mail either way."""
    mailroom = Mailroom()
    security: Literal["starttls", "ssl"] = request.param
    tls: dict[str, Any] = (
        {"tls_context": certificate.server_context(), "require_starttls": True, "auth_require_tls": True}
        # aiosmtpd counts only STARTTLS as TLS for AUTH; here every byte is encrypted anyway
        if security == "starttls"
        else {"ssl_context": certificate.server_context(), "auth_require_tls": False}
    )
    controller = Controller(
        mailroom,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="127.0.0.1",
        authenticator=_only_our_user,
        auth_required=True,
        **tls,
    )
    controller.start()
    try:
        yield mailroom, controller.port, security
    finally:
        controller.stop()


def _relay(port: int, security: Literal["starttls", "ssl"], *, ca_file: Path | None, password: str) -> SmtpRelay:
    return SmtpRelay(
        RelaySettings(
            host="127.0.0.1",
            port=port,
            security=security,
            username=USER,
            password=password,
            timeout_seconds=10,
            ca_file=ca_file,
        )
    )


MESSAGE = (
    b"From: anna@leadline.example\r\nTo: jan@example.com\r\nSubject: Our offer\r\nMessage-ID: <1@leadline>\r\n"
    b"\r\nHi\r\n"
)


async def test_a_message_goes_encrypted_and_logged_in_to_a_server_of_the_company_ca(
    server: tuple[Mailroom, int, str], certificate: ServerCertificate
) -> None:
    mailroom, port, security = server
    relay = _relay(port, security, ca_file=certificate.ca_file, password=PASSWORD)  # type: ignore[arg-type]
    async with relay.session() as session:
        await session.envelope("anna@leadline.example", ["jan@example.com"])
        await session.data(MESSAGE)

    [(login, encrypted, message)] = mailroom.messages
    assert (login, encrypted, message["Subject"]) == (USER, True, "Our offer")


async def test_a_wrong_password_is_a_refusal_for_good(
    server: tuple[Mailroom, int, str], certificate: ServerCertificate
) -> None:
    mailroom, port, security = server
    relay = _relay(port, security, ca_file=certificate.ca_file, password="not-it")  # type: ignore[arg-type]
    with pytest.raises(Refused) as refused:
        async with relay.session():
            pass

    assert (refused.value.code, refused.value.permanent) == (535, True)
    assert mailroom.messages == []


async def test_a_server_whose_certificate_no_trusted_authority_signed_is_not_given_the_password(
    server: tuple[Mailroom, int, str],
) -> None:
    mailroom, port, security = server
    relay = _relay(port, security, ca_file=None, password=PASSWORD)  # type: ignore[arg-type]
    with pytest.raises(Unreachable, match="CERTIFICATE_VERIFY_FAILED"):
        async with relay.session():
            pass

    assert mailroom.messages == []
