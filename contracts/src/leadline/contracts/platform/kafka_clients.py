"""The one place where Kafka settings become client options, for every Kafka client Leadline makes.

The services' FastStream broker takes a security object; the admin client of ``leadline-topics`` and
any plain aiokafka client take keyword options derived from that same object by FastStream's own
translation, so a producer, a consumer and the topic provisioning always connect alike.
"""

from __future__ import annotations

import ssl
from typing import Any

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from leadline.contracts.platform.settings import KafkaSettings

# The most a producer puts in one partition's batch. aiokafka sends one batch per partition in a request, and one
# request at a time to a broker: at its 16 KiB default a relay round of 500 events took five round trips to a
# busy broker, and the broker served five requests. Under the broker's default 1 MiB message.max.bytes.
PRODUCER_BATCH_BYTES = 1_000_000

_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def tls_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if not settings.kafka_uses_tls:
        return None
    # Verifies the brokers' certificates and host names, against the given CA or the system's.
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_ssl_certfile is not None:
        context.load_cert_chain(settings.kafka_ssl_certfile, settings.kafka_ssl_keyfile)
    return context


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    """What FastStream's ``KafkaBroker(security=...)`` needs; None for a plaintext cluster."""
    context = tls_context(settings)
    if settings.kafka_uses_sasl:
        return _SASL[settings.kafka_sasl_mechanism](
            settings.kafka_sasl_username,
            settings.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            use_ssl=settings.kafka_uses_tls,
        )
    if context is not None:
        return BaseSecurity(ssl_context=context)
    return None


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaAdminClient``, ``AIOKafkaProducer`` and ``AIOKafkaConsumer``."""
    return {"bootstrap_servers": settings.kafka_bootstrap_list, **parse_security(broker_security(settings))}
