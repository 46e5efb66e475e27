"""Service settings: defaults that follow the service, and the environment overriding them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from leadline.communications.config import Settings as CommunicationsSettings
from leadline.contracts.platform.settings import LOCAL_JWT_SECRET, ServiceSettings
from leadline.documents.config import Settings as DocumentsSettings
from leadline.leads.config import Settings as LeadsSettings
from leadline.reporting.config import Settings as ReportingSettings

SERVICES: list[tuple[type[ServiceSettings], str, int]] = [
    (LeadsSettings, "leads", 8001),
    (CommunicationsSettings, "communications", 8002),
    (DocumentsSettings, "documents", 8003),
    (ReportingSettings, "reporting", 8004),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: none of the developer's or CI's variables may leak into these tests."""
    for name in ServiceSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("settings_class", "service", "port"), SERVICES, ids=[s for _, s, _ in SERVICES])
def test_by_default_each_service_has_its_own_sqlite_database_and_port(
    settings_class: type[ServiceSettings], service: str, port: int
) -> None:
    settings = settings_class()

    assert settings.database_url == f"sqlite+aiosqlite:///.local/data/{service}.db"
    assert settings.http_port == port


@pytest.mark.parametrize(("settings_class", "service", "port"), SERVICES, ids=[s for _, s, _ in SERVICES])
def test_the_default_database_lives_in_the_data_dir(
    settings_class: type[ServiceSettings], service: str, port: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))

    assert settings_class().database_url == f"sqlite+aiosqlite:///{tmp_path}/{service}.db"


def test_the_environment_overrides_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://leadline@db/leads")
    monkeypatch.setenv("HTTP_PORT", "9001")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", "staging.")
    monkeypatch.setenv("DEFAULT_PHONE_REGION", "DE")
    monkeypatch.setenv("CONSUMER_MAX_RECORDS", "50")
    monkeypatch.setenv("JWT_SECRET", "from-the-vault")

    settings = LeadsSettings()

    assert settings.database_url == "postgresql+asyncpg://leadline@db/leads"
    assert settings.http_port == 9001
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.kafka_bootstrap_list == ["kafka-1:9092", "kafka-2:9092"]
    assert settings.kafka_topic_prefix == "staging."
    assert settings.default_phone_region == "DE"
    assert settings.consumer_max_records == 50
    assert settings.jwt_secret.get_secret_value() == "from-the-vault"


def test_the_other_defaults() -> None:
    settings = ReportingSettings()

    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.kafka_topic_prefix == ""
    assert settings.default_phone_region == "PL"
    assert settings.jwt_secret.get_secret_value() == LOCAL_JWT_SECRET
    assert (settings.jwt_issuer, settings.jwt_audience, settings.jwt_jwks_url) == ("leadline", "leadline", None)


def test_the_secret_does_not_show_in_the_settings_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "from-the-vault")

    assert "from-the-vault" not in repr(LeadsSettings())


def test_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://leadline@db/leads")

    assert LeadsSettings(database_url="sqlite+aiosqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


def test_a_malformed_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PORT", "eighty")

    with pytest.raises(ValidationError, match="http_port"):
        LeadsSettings()


def test_settings_cannot_change_once_read() -> None:
    settings = LeadsSettings()

    with pytest.raises(ValidationError):
        settings.http_port = 1  # type: ignore[misc]


def test_ready_and_metrics_have_a_port_of_their_own_on_the_apis_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    default = LeadsSettings()
    monkeypatch.setenv("HTTP_PORT", "9001")
    monkeypatch.setenv("HTTP_HOST", "10.0.0.5")
    monkeypatch.setenv("JWT_SECRET", "from-the-vault")
    moved = LeadsSettings()
    monkeypatch.setenv("MANAGEMENT_HOST", "127.0.0.1")
    monkeypatch.setenv("MANAGEMENT_PORT", "9999")
    chosen = LeadsSettings()

    assert (default.management_host, default.management_port) == ("127.0.0.1", 8101)
    assert (moved.management_host, moved.management_port) == ("10.0.0.5", 9101)
    assert (chosen.management_host, chosen.management_port) == ("127.0.0.1", 9999)


def test_the_management_port_is_not_the_apis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANAGEMENT_PORT", "8001")

    with pytest.raises(ValidationError, match="MANAGEMENT_PORT must differ from HTTP_PORT"):
        LeadsSettings()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "leads.internal"])
def test_the_development_secret_is_refused_beyond_loopback(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("HTTP_HOST", host)

    with pytest.raises(ValidationError, match=f"JWT_SECRET is the built-in development secret.*HTTP_HOST={host}"):
        LeadsSettings()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_the_development_secret_serves_loopback(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("HTTP_HOST", host)

    assert LeadsSettings().development_tokens


@pytest.mark.parametrize(
    ("variable", "value"), [("JWT_SECRET", "from-the-vault"), ("JWT_JWKS_URL", "https://idp/jwks")]
)
def test_a_real_secret_or_a_jwks_serves_every_interface(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv(variable, value)

    assert not LeadsSettings().development_tokens


def _serve_leads(**settings: str) -> subprocess.CompletedProcess[str]:
    """``serve`` with only ``settings`` of the service's variables set (none of the developer's or CI's)."""
    environment = {key: value for key, value in os.environ.items() if key.upper() not in _SETTING_NAMES}
    return subprocess.run(
        [sys.executable, "-m", "leadline.leads", "serve"],
        env={**environment, **settings},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_service_refuses_to_start_with_the_development_secret_on_every_interface_naming_the_variables() -> None:
    started = _serve_leads(HTTP_HOST="0.0.0.0")

    assert started.returncode != 0
    assert "JWT_SECRET is the built-in development secret" in started.stderr
    assert "HTTP_HOST=0.0.0.0" in started.stderr
    assert "Traceback" not in started.stderr


def test_a_service_on_sqlite_refuses_several_workers_at_start_saying_why(tmp_path: Path) -> None:
    started = _serve_leads(WEB_CONCURRENCY="2", DATA_DIR=str(tmp_path))

    assert started.returncode != 0
    assert "WEB_CONCURRENCY=2 needs PostgreSQL" in started.stderr
    assert "group commit gathers the writes of one process" in started.stderr
    assert "Traceback" not in started.stderr
    assert not list(tmp_path.iterdir()), "refused before it made a database"


def test_several_workers_serve_a_postgresql_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://leadline@db/leads")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")

    assert LeadsSettings().web_concurrency == 4


def test_one_worker_by_default() -> None:
    assert LeadsSettings().web_concurrency == 1


_SETTING_NAMES = {name.upper() for name in ServiceSettings.model_fields}


def test_a_send_claim_that_could_run_out_while_its_sender_still_sends_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"MAIL_SEND_LEASE_SECONDS must be longer than 3 × SMTP_TIMEOUT_SECONDS"):
        CommunicationsSettings(smtp_timeout_seconds=60, mail_send_lease_seconds=180)

    assert CommunicationsSettings(smtp_timeout_seconds=60, mail_send_lease_seconds=181).mail_send_lease_seconds == 181
    assert CommunicationsSettings().mail_send_lease_seconds > 3 * CommunicationsSettings().smtp_timeout_seconds
