"""The throw-away Dovecot's configuration is written in the syntax of the version installed: 2.4 refuses 2.3's (and
wants its two versions first), 2.3 knows none of 2.4's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadline.contracts.tooling.dovecot import configuration, parse_version

# Settings, sections and variables that one version has and the other refuses.
ONLY_2_3 = ("disable_plaintext_auth", "ssl_cert =", "ssl_key =", "mail_location", "driver = static", "args =", "%u")
ONLY_2_4 = ("dovecot_config_version", "dovecot_storage_version", "auth_allow_cleartext", "ssl_server_", "mail_driver")


def written_for(version: tuple[int, int]) -> str:
    return configuration(
        version, root=Path("/srv/imap"), port=1143, tls_port=1993, user="nobody", group="nogroup", password="secret"
    )


@pytest.mark.parametrize(
    ("reported", "version"),
    [("2.3.19.1 (9b53102964)\n", (2, 3)), ("2.4.1-4 (7d8c0e5759)\n", (2, 4)), ("2.4.2 (0962ed2104)", (2, 4))],
)
def test_the_version_is_read_from_what_dovecot_reports(reported: str, version: tuple[int, int]) -> None:
    assert parse_version(reported) == version


def test_what_is_not_a_version_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Dovecot version"):
        parse_version("dovecot: command not found")


@pytest.mark.parametrize("version", [(2, 4), (2, 5)])
def test_dovecot_2_4_gets_its_own_syntax_with_the_versions_first(version: tuple[int, int]) -> None:
    config = written_for(version)
    assert config.splitlines()[:2] == ["dovecot_config_version = 2.4.0", "dovecot_storage_version = 2.4.0"]
    assert [setting for setting in ONLY_2_3 if setting in config] == []
    assert "passdb static {\n  password = secret\n}" in config
    assert "home = /srv/imap/home/%{user}" in config
    assert "ssl_server_cert_file = /srv/imap/cert.pem" in config


def test_dovecot_2_3_gets_the_syntax_it_reads() -> None:
    config = written_for((2, 3))
    assert [setting for setting in ONLY_2_4 if setting in config] == []
    assert "args = password=secret" in config
    assert "ssl_cert = </srv/imap/cert.pem" in config


@pytest.mark.parametrize("version", [(2, 3), (2, 4)])
def test_either_listens_on_its_own_ports_only_on_the_loopback(version: tuple[int, int]) -> None:
    config = written_for(version)
    assert "listen = 127.0.0.1" in config
    assert "port = 1143" in config
    assert "port = 1993\n    ssl = yes" in config
