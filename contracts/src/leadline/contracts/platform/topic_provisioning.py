"""``leadline-topics``: makes a Kafka cluster's topics what the catalogue (leadline.contracts.wire.topics) says,
creating the missing ones and reconciling the configuration and partitions of the others."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaTimeoutError, for_code

from leadline.contracts.platform.kafka_clients import client_options
from leadline.contracts.platform.settings import KafkaSettings, read_settings
from leadline.contracts.wire.topics import Topic, all_topics, min_insync_replicas


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
