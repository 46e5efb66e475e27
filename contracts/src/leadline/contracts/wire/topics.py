"""The topic catalogue: every Kafka topic Leadline uses, provisioned explicitly.

Automatic topic creation is off on the broker, so a topic missing from this
catalogue cannot be written to by accident. The catalogue also says how long each
topic keeps its records: the event log is the system's memory, so a topic that a
consumer builds its state from is kept for ever (or compacted to its current state).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaTimeoutError, for_code

from leadline.contracts.platform.kafka_clients import client_options
from leadline.contracts.platform.settings import KafkaSettings, read_settings

log = logging.getLogger(__name__)

DEAD_LETTER_SUFFIX = ".dlq"


DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    partitions: int = 3
    # Compacted: the broker keeps the latest record of each key, for ever.
    compacted: bool = False
    # How long the broker keeps a record of a topic that is not compacted; None: for ever. A topic any
    # consumer folds into its state is kept for ever, so that state can always be rebuilt from the start.
    retention_days: int | None = None
    # Written by parties outside Leadline (gateways): a record of a type we do not know is refused
    # into the dead-letter topic. On Leadline's own topics so is any unknown type, except a newer major
    # version of a known one (``….v2`` beside ``….v1``), skipped so it can be published beside the old.
    external: bool = False

    @property
    def dead_letter(self) -> Topic:
        return Topic(
            name=self.name + DEAD_LETTER_SUFFIX,
            description=f"Events of {self.name} that could not be processed, with the reason in headers.",
            partitions=1,
            retention_days=30,
        )

    @property
    def kept(self) -> str:
        """How long records stay, in words (the README's topics table says the same)."""
        if self.compacted:
            return "compacted"
        return "for ever" if self.retention_days is None else f"{self.retention_days} days"

    def broker_config(self, *, min_insync_replicas: int = 1) -> dict[str, str]:
        """The topic-level configuration, complete: provisioning makes the broker's exactly this."""
        if self.compacted:
            retention = {"cleanup.policy": "compact"}
        else:
            # retention.bytes too: a broker default (1 GiB locally) would otherwise still cut the log.
            retention_ms = -1 if self.retention_days is None else self.retention_days * DAY_MS
            retention = {"cleanup.policy": "delete", "retention.ms": str(retention_ms), "retention.bytes": "-1"}
        return {**retention, "min.insync.replicas": str(min_insync_replicas)}


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
# Gateways' topics are an intake: communications stores what arrives and publishes it on its own topics,
# kept for ever. A week covers any outage of communications.
GATEWAY_RETENTION_DAYS = 7
TELEPHONY_CALL = Topic(
    "leadline.gateway.telephony.call",
    "Call notifications published by telephony gateways (PBX), keyed by the PBX call id.",
    retention_days=GATEWAY_RETENTION_DAYS,
    external=True,
)
TELEPHONY_COMMAND = Topic(
    "leadline.gateway.telephony.command",
    "Commands for telephony gateways (click-to-call dial requests), published by communications, keyed by the "
    "request's id.",
    retention_days=GATEWAY_RETENTION_DAYS,  # a dial request is acted on within seconds or not at all
)
CALL = Topic(
    "leadline.communications.call",
    "Calls as communications registers, follows (answered, ended, recorded) and triages them, keyed by call id.",
)
MAIL_EMAIL = Topic(
    "leadline.gateway.mail.email",
    "Inbound e-mails published by mail gateways, keyed by the message's Message-ID.",
    retention_days=GATEWAY_RETENTION_DAYS,
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
    TELEPHONY_COMMAND,
    PIPELINE,
)


def all_topics() -> list[Topic]:
    return [t for topic in DOMAIN_TOPICS for t in (topic, topic.dead_letter)]


def min_insync_replicas(replication_factor: int) -> int:
    """All replicas but one must have a write (with ``acks=all``): one broker may be lost or restarted
    without stopping writes, and an acknowledged write survives the loss of any one broker."""
    return max(1, replication_factor - 1)


@dataclass
class Provisioned:
    """What provisioning did, and what it could not."""

    created: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"topics created: {', '.join(self.created) if self.created else 'none'}"]
        lines += [f"topic {name} changed: {'; '.join(changes)}" for name, changes in self.changed.items()]
        if not self.changed:
            lines.append("topics changed: none (every existing topic as catalogued)")
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines)


# DescribeConfigs' source of a setting made on the topic itself (the others are broker settings and defaults).
_TOPIC_SETTING = 1
_TOPIC_ALREADY_EXISTS = 36
_METADATA_ATTEMPTS = 50


async def provision(kafka: KafkaSettings, *, replication_factor: int = 1) -> Provisioned:
    """Makes the broker's topics, with ``kafka``'s prefix, what the catalogue says: creates the missing ones,
    and reconciles the others' configuration and partitions.

    The catalogue wins over settings made by hand on a topic (as a GitOps topic operator would). Partitions
    can only be added, never removed; a topic with more than catalogued keeps them, with a warning. Adding
    some moves keys to other partitions: a key's events published before and after may then be read out of
    order, so it says so. The replication factor of an existing topic is not changed (that takes a partition
    reassignment); a different one is reported.
    """
    prefix = kafka.kafka_topic_prefix
    wanted = {prefix + t.name: t for t in all_topics()}
    config = {
        name: t.broker_config(min_insync_replicas=min_insync_replicas(replication_factor)) for name, t in wanted.items()
    }
    done = Provisioned()
    admin = AIOKafkaAdminClient(**client_options(kafka))
    await admin.start()
    try:
        existing = set(await admin.list_topics()) & set(wanted)
        missing = [name for name in wanted if name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(name, wanted[name].partitions, replication_factor, topic_configs=config[name])
                    for name in missing
                ]
            )
            for name, code, message in response.topic_errors:
                if code == _TOPIC_ALREADY_EXISTS:
                    existing.add(name)  # made meanwhile by another provisioning: reconciled below
                elif code:
                    raise for_code(code)(f"could not create topic {name}: {message}")
                else:
                    done.created.append(name)
        if existing:
            await _reconcile(admin, sorted(existing), wanted, config, replication_factor, done)
        return done
    finally:
        await admin.close()


async def _reconcile(
    admin: AIOKafkaAdminClient,
    names: list[str],
    wanted: dict[str, Topic],
    config: dict[str, dict[str, str]],
    replication_factor: int,
    done: Provisioned,
) -> None:
    described = await _partitions(admin, names)
    (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    current: dict[str, dict[str, str]] = {}
    for resource in response.to_object()["resources"]:
        current[resource["resource_name"]] = {
            entry["config_names"]: entry["config_value"]
            for entry in resource["config_entries"]
            if entry["config_source"] == _TOPIC_SETTING
        }
    to_alter = []
    for name in names:
        changes = [
            f"{key} {current[name].get(key, '(broker default)')} → {value}"
            for key, value in config[name].items()
            if current[name].get(key) != value
        ]
        changes += [
            f"{key} {value} → (removed: not catalogued)"
            for key, value in current[name].items()
            if key not in config[name]
        ]
        if changes:
            done.changed[name] = changes
            to_alter.append(ConfigResource(ConfigResourceType.TOPIC, name, configs=config[name]))
        partitions = len(described[name])
        if partitions < wanted[name].partitions:
            await admin.create_partitions({name: NewPartitions(wanted[name].partitions)})
            done.changed.setdefault(name, []).append(f"partitions {partitions} → {wanted[name].partitions}")
            done.warnings.append(
                f"{name}: keys now map to other partitions; "
                "a key's events from before and after may be read out of order"
            )
        elif partitions > wanted[name].partitions:
            done.warnings.append(
                f"{name} has {partitions} partitions, the catalogue {wanted[name].partitions}: "
                "partitions can only grow, so it keeps them"
            )
        replicas = {len(p["replicas"]) for p in described[name]}
        if replicas != {replication_factor}:
            done.warnings.append(
                f"{name} has {'/'.join(map(str, sorted(replicas)))} replicas, not {replication_factor}: "
                "changing that takes a partition reassignment (kafka-reassign-partitions)"
            )
    if to_alter:
        # AlterConfigs (not the incremental kind) sets a topic's whole configuration: exactly the catalogue's.
        for altered in await admin.alter_configs(to_alter):
            for code, message, _type, name in altered.resources:
                if code:
                    raise for_code(code)(f"could not configure topic {name}: {message}")


async def _partitions(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each topic's partitions, once the broker answering knows them all: a topic created a moment ago (by
    another provisioning, say) may not have reached its metadata yet."""
    for _ in range(_METADATA_ATTEMPTS):
        topics = await admin.describe_topics(names)
        if all(t["error_code"] == 0 and t["partitions"] for t in topics):
            return {t["topic"]: t["partitions"] for t in topics}
        await asyncio.sleep(0.2)
    raise KafkaTimeoutError(f"no complete metadata for {', '.join(names)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="leadline-topics",
        description="Create Leadline's Kafka topics and reconcile existing ones with the catalogue (configuration, "
        "partitions), printing what it changed; idempotent. Connects as the services do: "
        "KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC_PREFIX, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* "
        "from the environment.",
    )
    parser.add_argument("--bootstrap-servers", help="instead of KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument("--prefix", help="instead of KAFKA_TOPIC_PREFIX")
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=1,
        help="replicas of each new topic [1]; min.insync.replicas is one less (at least 1)",
    )
    args = parser.parse_args()
    kafka = read_settings(KafkaSettings, parser.prog)
    overrides = {"kafka_bootstrap_servers": args.bootstrap_servers, "kafka_topic_prefix": args.prefix}
    kafka = kafka.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    print(asyncio.run(provision(kafka, replication_factor=args.replication_factor)).summary())


if __name__ == "__main__":
    main()
