"""Kafka security settings: what is refused at start, and what every Kafka client is given."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path
from typing import Any

import certifi
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import SecretStr, ValidationError

from leadline.contracts.platform import topic_provisioning
from leadline.contracts.platform.cli import service_main
from leadline.contracts.platform.kafka_clients import broker_security, client_options
from leadline.contracts.platform.settings import KafkaSettings, ServiceSettings
from leadline.contracts.tooling.dovecot import self_signed
from leadline.leads.app import create_app
from leadline.leads.config import Settings as LeadsSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ServiceSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def client_certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed(tmp_path), tmp_path / "key.pem"


def test_by_default_the_cluster_is_plaintext_and_clients_get_no_security() -> None:
    settings = LeadsSettings()

    assert settings.kafka_security_protocol == "PLAINTEXT"
    assert broker_security(settings) is None
    assert client_options(settings) == {"bootstrap_servers": ["127.0.0.1:9092"]}


async def test_a_service_and_its_tools_reach_every_broker_of_a_cluster() -> None:
    settings = LeadsSettings(kafka_bootstrap_servers="kafka-0:9092, kafka-1:9092,kafka-2:9092")
    brokers = {("kafka-0", 9092), ("kafka-1", 9092), ("kafka-2", 9092)}
    runtime = create_app(settings).state.runtime

    consumer = runtime.broker.config.broker_config.builder(group_id=None)
    admin = AIOKafkaAdminClient(**client_options(settings))

    assert {(host, port) for host, port, _ in consumer._client.hosts} == brokers
    assert {(host, port) for host, port, _ in admin._client.hosts} == brokers
    await consumer.stop()
    await admin.close()


@pytest.mark.parametrize(
    ("mechanism", "security_class"),
    [("SCRAM-SHA-512", SASLScram512), ("SCRAM-SHA-256", SASLScram256), ("PLAIN", SASLPlaintext)],
)
def test_sasl_over_tls_from_the_environment(
    mechanism: str, security_class: type[BaseSecurity], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-0.kafka:9094")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", mechanism)
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "leadline-leads")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-the-vault")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", certifi.where())

    settings = LeadsSettings()
    security = broker_security(settings)
    options = client_options(settings)

    assert isinstance(security, security_class)
    assert security.use_ssl
    assert options["bootstrap_servers"] == ["kafka-0.kafka:9094"]
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == mechanism
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("leadline-leads", "from-the-vault")
    context: ssl.SSLContext = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert "from-the-vault" not in repr(settings)


def test_sasl_without_tls_for_a_private_network() -> None:
    options = client_options(
        KafkaSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username="u",
            kafka_sasl_password=SecretStr("p"),
        )
    )

    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["ssl_context"] is None


def test_tls_without_a_ca_file_trusts_the_system_cas() -> None:
    options = client_options(KafkaSettings(kafka_security_protocol="SSL"))

    assert options["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in options
    context: ssl.SSLContext = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_a_client_certificate_for_mutual_tls(client_certificate: tuple[Path, Path]) -> None:
    cert, key = client_certificate

    settings = KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_certfile=cert, kafka_ssl_keyfile=key)

    assert isinstance(client_options(settings)["ssl_context"], ssl.SSLContext)


def test_a_key_that_does_not_belong_to_the_certificate_is_refused(
    client_certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, _ = client_certificate
    other_key = tmp_path / "other.key"
    other_key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings = KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_certfile=cert, kafka_ssl_keyfile=other_key)

    with pytest.raises(ssl.SSLError):
        client_options(settings)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SASL_USERNAME"),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_USERNAME": "u"},
            "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD",
        ),
        ({"KAFKA_SASL_USERNAME": "u", "KAFKA_SASL_PASSWORD": "p"}, "PLAINTEXT does not use them"),
        ({"KAFKA_SSL_CAFILE": certifi.where()}, "does not use TLS"),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/no/such/ca.pem"}, "kafka_ssl_cafile"),
        ({"KAFKA_SECURITY_PROTOCOL": "SASL-SSL"}, "kafka_security_protocol"),
        ({"KAFKA_SASL_MECHANISM": "GSSAPI"}, "kafka_sasl_mechanism"),
    ],
    ids=["sasl-without-credentials", "no-password", "credentials-unused", "ca-unused", "missing-ca", "typo", "gssapi"],
)
def test_an_inconsistent_configuration_is_refused(
    environment: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ValidationError, match=message):
        LeadsSettings()


def test_a_key_without_its_certificate_is_refused(client_certificate: tuple[Path, Path]) -> None:
    _, key = client_certificate

    with pytest.raises(ValidationError, match="KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE"):
        KafkaSettings(kafka_security_protocol="SSL", kafka_ssl_keyfile=key)


def test_a_service_refuses_to_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", "/no/such/ca.pem")
    monkeypatch.setattr(sys, "argv", ["leadline.leads", "serve"])

    with pytest.raises(SystemExit) as exited:
        service_main("leadline.leads", LeadsSettings, create_app)

    assert str(exited.value) == (
        "python -m leadline.leads: the configuration in the environment is not valid:\n"
        "  KAFKA_SSL_CAFILE: Path does not point to a file"
    )


def test_leadline_topics_connects_as_the_services_do(monkeypatch: pytest.MonkeyPatch) -> None:
    provisioned: list[KafkaSettings] = []

    async def provision(kafka: KafkaSettings, *, replication_factor: int = 1) -> topic_provisioning.Provisioned:
        assert replication_factor == 3
        provisioned.append(kafka)
        return topic_provisioning.Provisioned()

    monkeypatch.setattr(topic_provisioning, "provision", provision)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", "staging.")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "leadline-admin")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-the-vault")
    monkeypatch.setattr(sys, "argv", ["leadline-topics", "--replication-factor", "3", "--bootstrap-servers", "k:1"])

    topic_provisioning.main()

    (kafka,) = provisioned
    options: dict[str, Any] = client_options(kafka)
    assert options["bootstrap_servers"] == ["k:1"]  # the flag wins over the environment
    assert kafka.kafka_topic_prefix == "staging."
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("leadline-admin", "from-the-vault")


def test_leadline_topics_refuses_sasl_without_credentials_and_does_not_print_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "from-the-vault")
    monkeypatch.setattr(sys, "argv", ["leadline-topics"])

    with pytest.raises(SystemExit) as exited:
        topic_provisioning.main()

    assert str(exited.value) == (
        "leadline-topics: the configuration in the environment is not valid:\n"
        "  settings: Value error, KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
    )
