"""The topic catalogue: every Kafka topic Leadline uses, provisioned explicitly.

Automatic topic creation is off on the broker, so a topic missing from this
catalogue cannot be written to by accident.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from leadline.contracts.kafka_clients import client_options
from leadline.contracts.settings import KafkaSettings, read_settings

log = logging.getLogger(__name__)

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    partitions: int = 3
    compacted: bool = False
    # Written by parties outside Leadline (gateways): a record of a type we do not know is refused
    # into the dead-letter topic. On Leadline's own topics so is any unknown type, except a newer major
    # version of a known one (``….v2`` beside ``….v1``), skipped so it can be published beside the old.
    external: bool = False
    config: dict[str, str] = field(default_factory=dict)

    @property
    def dead_letter(self) -> Topic:
        return Topic(
            name=self.name + DEAD_LETTER_SUFFIX,
            description=f"Events of {self.name} that could not be processed, with the reason in headers.",
            partitions=1,
            config={"retention.ms": str(30 * 24 * 3600 * 1000)},
        )

    def broker_config(self) -> dict[str, str]:
        config = dict(self.config)
        if self.compacted:
            config["cleanup.policy"] = "compact"
        return config


LEAD = Topic("leadline.leads.lead", "Lifecycle of leads, keyed by lead id.")
# Configuration topics carry the whole current state of what changed, not a diff, and are compacted:
# a consumer that reads one from the beginning knows the current configuration without asking leads.
REFERENCE = Topic(
    "leadline.leads.reference",
    "Reference data, statuses, lead types and settings of the leads service; compacted, keyed by "
    "<kind>:<code> (e.g. priority:high, status:won, lead_type:sale, setting:order_type): "
    "the latest record per key is the current state.",
    partitions=1,  # a handful of rows, changed rarely: one partition keeps them in the order they changed
    compacted=True,
)
PARTNER = Topic(
    "leadline.leads.partner",
    "Partners (customers) of leads; compacted, keyed by partner id: the latest record is the partner's current state.",
    compacted=True,
)
EMPLOYEE = Topic(
    "leadline.leads.employee",
    "The sales team directory (role, PBX extension); compacted, keyed by employee id: "
    "the latest record is the employee's current state.",
    partitions=1,
    compacted=True,
)
TELEPHONY_CALL = Topic(
    "leadline.gateway.telephony.call",
    "Call notifications published by telephony gateways (PBX), keyed by the PBX call id.",
    external=True,
)
CALL = Topic(
    "leadline.communications.call",
    "Inbound calls as communications registers and triages them, keyed by call id.",
)
MAIL_EMAIL = Topic(
    "leadline.gateway.mail.email",
    "Inbound e-mails published by mail gateways, keyed by the message's Message-ID.",
    external=True,
)
EMAIL = Topic(
    "leadline.communications.email",
    "Inbound e-mails as communications registers and triages them, keyed by e-mail id.",
)
ORDER = Topic(
    "leadline.documents.order",
    "Sales orders made from leads (created, status changes, deletion), keyed by order id.",
)
INVOICE = Topic(
    "leadline.documents.invoice",
    "Invoices made from leads or orders (created, status changes, deletion), keyed by invoice id.",
)
LEADS_BY_STATUS = Topic(
    "leadline.reporting.leads-by-status",
    "Number of leads per status; compacted, keyed by status code: the latest value is the current count.",
    partitions=1,
    compacted=True,
)

FUNNEL = Topic(
    "leadline.reporting.funnel",
    "The sales funnel per month and status: leads that entered the status that month, how many of them left it "
    "and their average time in it; compacted, keyed by <month>/<status code> (e.g. 2026-11/proposal): "
    "the latest value per key is the current one.",
    compacted=True,
)

PIPELINE = Topic(
    "leadline.reporting.pipeline",
    "Deals per pipeline stage: how many are in it and their value per currency, weighted by the stage's probability; "
    "compacted, keyed by <pipeline code>/<stage code> (e.g. sales/negotiation): the latest value per key is the "
    "current one.",
    compacted=True,
)

DOMAIN_TOPICS: tuple[Topic, ...] = (
    LEAD,
    REFERENCE,
    PARTNER,
    EMPLOYEE,
    TELEPHONY_CALL,
    CALL,
    LEADS_BY_STATUS,
    MAIL_EMAIL,
    EMAIL,
    ORDER,
    INVOICE,
    FUNNEL,
    PIPELINE,
)


def all_topics() -> list[Topic]:
    return [t for topic in DOMAIN_TOPICS for t in (topic, topic.dead_letter)]


async def provision(kafka: KafkaSettings, *, replication_factor: int = 1) -> list[str]:
    """Create every catalogued topic, with ``kafka``'s prefix, that does not exist yet; returns the names created."""
    prefix = kafka.kafka_topic_prefix
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in all_topics() if prefix + t.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name=prefix + t.name,
                        num_partitions=t.partitions,
                        replication_factor=replication_factor,
                        topic_configs=t.broker_config(),
                    )
                    for t in missing
                ]
            )
        return [prefix + t.name for t in missing]
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="leadline-topics",
        description="Create Leadline's Kafka topics (idempotent). Connects as the services do: "
        "KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* "
        "from the environment.",
    )
    parser.add_argument("--bootstrap-servers", help="instead of KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", help="instead of KAFKA_TOPIC_PREFIX")
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args()
    kafka = read_settings(KafkaSettings, parser.prog)
    overrides = {"kafka_bootstrap_servers": args.bootstrap_servers, "kafka_topic_prefix": args.prefix}
    kafka = kafka.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    created = asyncio.run(provision(kafka, replication_factor=args.replication_factor))
    print(f"topics created: {', '.join(created) if created else 'none (all present)'}")


if __name__ == "__main__":
    main()
