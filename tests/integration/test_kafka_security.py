"""Leadline on a broker that demands SASL/SCRAM: the right credentials provision, publish and consume;
wrong ones are refused at once, naming the authentication failure."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr

from leadline.contracts.platform.settings import KafkaSettings
from leadline.contracts.platform.topic_provisioning import provision
from leadline.contracts.wire.topics import LEAD
from tests.support.databases import sqlite_url
from tests.support.kafka import LocalKafka, ScramUser, free_port
from tests.support.services import RunningService, auth, running_service
from tests.support.waiting import eventually

pytestmark = pytest.mark.kafka

USER = ScramUser("leadline-it", "scram-secret-1")


@pytest.fixture(scope="session")
def scram_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A second broker, started only when these tests run: its one listener speaks SASL_PLAINTEXT."""
    broker = LocalKafka(tmp_path_factory.mktemp("kafka-scram"), free_port(), free_port(), scram=USER)
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()  # its data is thrown away


def security_of(kafka: KafkaSettings) -> dict[str, Any]:
    """The security settings alone, as ``running_service`` takes them beside bootstrap and prefix."""
    return kafka.model_dump(exclude={"kafka_bootstrap_servers", "kafka_topic_prefix"})


@pytest.fixture
async def leads_and_reporting(
    scram_kafka: LocalKafka, tmp_path: Path
) -> AsyncIterator[tuple[RunningService, RunningService]]:
    kafka = scram_kafka.settings("sasl.")
    provisioned = await provision(kafka)
    assert "sasl." + LEAD.name in provisioned.created
    common = {"bootstrap": kafka.kafka_bootstrap_servers, "topic_prefix": kafka.kafka_topic_prefix}
    async with (
        running_service("leads", database_url=sqlite_url(tmp_path, "leads"), **common, **security_of(kafka)) as leads,
        running_service(
            "reporting", database_url=sqlite_url(tmp_path, "reporting"), **common, **security_of(kafka)
        ) as reporting,
    ):
        yield leads, reporting


async def test_with_the_right_credentials_events_flow_from_one_service_to_another(
    leads_and_reporting: tuple[RunningService, RunningService],
) -> None:
    leads, reporting = leads_and_reporting

    response = await leads.http.post("/leads", json={"name": "Over SASL", "type_code": "sale"}, headers=auth("anna"))
    assert response.status_code == 201, response.text

    async def counted() -> list[dict[str, object]] | None:
        response = await reporting.http.get("/reports/leads-by-status", headers=auth("marta"))
        assert response.status_code == 200, response.text
        body: list[dict[str, object]] = response.json()
        return body or None

    assert await eventually(counted, what="reporting counted the lead leads published") == [
        {"status_code": "new", "lead_count": 1}
    ]


def wrong_password(kafka: LocalKafka) -> KafkaSettings:
    return kafka.settings("wrong.").model_copy(update={"kafka_sasl_password": SecretStr("not-the-password")})


async def test_topics_are_not_provisioned_with_a_wrong_password(
    scram_kafka: LocalKafka, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(KafkaConnectionError):
        await provision(wrong_password(scram_kafka))

    assert "SaslAuthenticationFailed" in caplog.text
    assert "invalid credentials" in caplog.text


async def test_a_service_does_not_start_with_a_wrong_password(
    scram_kafka: LocalKafka, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    kafka = wrong_password(scram_kafka)

    with caplog.at_level(logging.ERROR), pytest.raises(KafkaConnectionError):
        async with running_service(
            "reporting",
            database_url=sqlite_url(tmp_path, "reporting"),
            bootstrap=kafka.kafka_bootstrap_servers,
            topic_prefix=kafka.kafka_topic_prefix,
            **security_of(kafka),
        ):
            pass

    assert "SaslAuthenticationFailed" in caplog.text


async def test_without_credentials_the_broker_admits_nobody(scram_kafka: LocalKafka) -> None:
    plaintext = KafkaSettings(kafka_bootstrap_servers=scram_kafka.bootstrap, kafka_topic_prefix="anonymous.")

    with pytest.raises(KafkaConnectionError):
        await provision(plaintext)
