"""Generates the documents that describe Leadline's APIs, so they never drift from the code:
a JSON Schema per event type, an AsyncAPI document per service (and one for gateways), and
each service's OpenAPI document. ``leadline-contracts generate`` writes them, ``check`` compares.

Services are found as installed packages declare them, in the entry point group ``leadline.services``: each names
its app as the documents describe it (``leads = "leadline.leads.app:documented_app"``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from leadline.contracts.platform.runtime import ServiceRuntime
from leadline.contracts.tooling.services import SERVICE_ENTRY_POINTS
from leadline.contracts.wire.compatibility import breaking_changes
from leadline.contracts.wire.events import EVENT_TYPES, Event
from leadline.contracts.wire.topics import TELEPHONY_COMMAND, Topic, all_topics, min_insync_replicas

# What parties outside Leadline publish: the events of its external topics.
GATEWAY_EVENTS: tuple[type[Event], ...] = tuple(e for e in EVENT_TYPES.values() if e.topic.external)
# What Leadline asks of gateways: the commands they consume (click-to-call).
GATEWAY_COMMANDS: tuple[type[Event], ...] = tuple(e for e in EVENT_TYPES.values() if e.topic == TELEPHONY_COMMAND)
ASYNCAPI_VERSION = "3.0.0"

CLOUDEVENTS_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, Kafka protocol binding, binary content mode.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
    "properties": {
        "ce_specversion": {"const": "1.0"},
        "ce_id": {"type": "string", "description": "Unique per event; consumers de-duplicate on it."},
        "ce_source": {"type": "string", "examples": ["leadline/leads", "pbx-gateway/acme"]},
        "ce_type": {"type": "string", "description": "The event type, ending in its major version."},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The aggregate id; also the record key."},
        "content-type": {"const": "application/json"},
        "ce_correlationid": {"type": "string"},
        "ce_causationid": {"type": "string", "description": "ce_id of the event that caused this one."},
        "traceparent": {"type": "string", "description": "W3C trace context."},
    },
}


def event_schema(event: type[Event]) -> dict[str, Any]:
    schema = event.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:leadline:event:{event.type}",
        "x-topic": event.topic.name,
        "x-key": event.subject_field,
        **schema,
    }


def asyncapi(
    title: str, description: str, sends: Iterable[type[Event]], receives: Iterable[type[Event]]
) -> dict[str, Any]:
    sends, receives = sorted(sends, key=_by_type), sorted(receives, key=_by_type)
    topics: dict[str, Topic] = {e.topic.name: e.topic for e in [*sends, *receives]}
    channels = {
        name: {
            "address": name,
            "description": topic.description,
            "messages": {
                _id(e): {"$ref": f"#/components/messages/{_id(e)}"}
                for e in sorted({*sends, *receives}, key=_by_type)
                if e.topic.name == name
            },
            "bindings": {
                "kafka": {
                    "partitions": topic.partitions,
                    "topicConfiguration": _topic_configuration(topic),
                }
            },
        }
        for name, topic in sorted(topics.items())
    }
    operations = {
        f"{action}.{e.type}": {
            "action": action,
            "channel": {"$ref": f"#/channels/{_escape(e.topic.name)}"},
            "messages": [{"$ref": f"#/channels/{_escape(e.topic.name)}/messages/{_id(e)}"}],
            "summary": f"{'Publishes' if action == 'send' else 'Consumes'} {e.type}",
        }
        for action, events in (("send", sends), ("receive", receives))
        for e in events
    }
    messages = {
        _id(e): {
            "name": e.type,
            "title": e.__name__,
            "summary": (e.__doc__ or "").strip(),
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventsHeaders"},
            "payload": {"$ref": f"#/components/schemas/{_id(e)}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": f"The event's {e.subject_field}."}}},
        }
        for e in sorted({*sends, *receives}, key=_by_type)
    }
    schemas: dict[str, Any] = {"CloudEventsHeaders": CLOUDEVENTS_HEADERS}
    for e in sorted({*sends, *receives}, key=_by_type):
        schemas[_id(e)] = e.model_json_schema(
            mode="serialization", ref_template=f"#/components/schemas/{_id(e)}/$defs/{{model}}"
        )
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": "0.1.0", "description": description},
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "The embedded single-node broker of `make run`.",
            }
        },
        "channels": {_escape(k): v for k, v in channels.items()},
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _topic_configuration(topic: Topic) -> dict[str, Any]:
    """The AsyncAPI Kafka binding's view of the catalogue's configuration: what is kept, and how long."""
    config = topic.broker_config()
    configuration: dict[str, Any] = {"cleanup.policy": [config["cleanup.policy"]]}
    if "retention.ms" in config:
        configuration["retention.ms"] = int(config["retention.ms"])
    return configuration


def _by_type(event: type[Event]) -> str:
    return event.type


def _id(event: type[Event]) -> str:
    return event.type.replace(".", "_")


def _escape(name: str) -> str:
    return name.replace(".", "_")


def service_apps() -> dict[str, Callable[[], FastAPI]]:
    """Each installed service's app as its documents describe it, by service name."""
    return {entry.name: entry.load() for entry in sorted(entry_points(group=SERVICE_ENTRY_POINTS), key=_by_name)}


def _by_name(entry: EntryPoint) -> str:
    return entry.name


def expected_documents(root: Path) -> dict[Path, str]:
    documents: dict[Path, str] = {}
    for event in EVENT_TYPES.values():
        documents[root / "contracts" / "schemas" / f"{event.type}.json"] = _dump(event_schema(event))
    documents[root / "contracts" / "asyncapi" / "gateways.json"] = _dump(
        asyncapi(
            "Leadline gateway events",
            "What telephony and mail gateways publish for Leadline to take in (send), and the commands a telephony "
            "gateway takes from Leadline (receive: click-to-call). A PBX that cannot publish to Kafka uses "
            "communications' webhooks instead (README: plugging in a real PBX), which publish the same events.",
            sends=GATEWAY_EVENTS,
            receives=GATEWAY_COMMANDS,
        )
    )
    for service, documented_app in service_apps().items():
        app = documented_app()
        runtime: ServiceRuntime[Any] = app.state.runtime
        receives = {t for consumer in runtime.consumers for t in consumer.event_types}
        documents[root / "services" / service / "asyncapi.json"] = _dump(
            asyncapi(
                f"Leadline {service} events",
                f"Kafka topics the {service} service publishes to and consumes from.",
                sends=runtime.publication.event_types,
                receives=receives,
            )
        )
        documents[root / "services" / service / "openapi.json"] = _dump(app.openapi())
    documents[root / "deploy" / "kubernetes" / "strimzi" / "kafka-topics.yaml"] = strimzi_kafka_topics()
    return documents


# Production's replication: three brokers, writes acknowledged by two (topics.min_insync_replicas).
PRODUCTION_REPLICATION_FACTOR = 3


def strimzi_kafka_topics() -> str:
    """The catalogue as Strimzi ``KafkaTopic`` resources, for a cluster whose Topic Operator keeps topics as declared.
    YAML written by hand (the structure is flat) so that the package needs no YAML library."""
    lines = [
        "# Generated from the topic catalogue (contracts/src/leadline/contracts/wire/topics.py) by `make contracts`;",
        "# `make check` fails when it drifts. For a Kafka cluster run by Strimzi: its Topic Operator creates these",
        "# topics and keeps them as declared, instead of the leadline-topics Job (see the README, Deploying).",
        "# strimzi.io/cluster names the Kafka resource: an overlay sets yours.",
    ]
    replicas = PRODUCTION_REPLICATION_FACTOR
    for topic in all_topics():
        config = topic.broker_config(min_insync_replicas=min_insync_replicas(replicas))
        lines += [
            "---",
            "apiVersion: kafka.strimzi.io/v1beta2",
            "kind: KafkaTopic",
            "metadata:",
            f"  name: {topic.name}",
            "  labels:",
            "    strimzi.io/cluster: leadline-kafka",
            "    app.kubernetes.io/component: topics",
            "spec:",
            f"  topicName: {topic.name}",
            f"  partitions: {topic.partitions}",
            f"  replicas: {replicas}",
            "  config:",
            *(f'    {key}: "{value}"' for key, value in config.items()),
        ]
    return "\n".join(lines) + "\n"


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def stale_documents(root: Path) -> list[Path]:
    """Documents that differ from the code or are missing, and those of services no installed package declares."""
    expected = expected_documents(root)
    return _differing(expected) + _undeclared(root, expected)


def _differing(expected: dict[Path, str]) -> list[Path]:
    return [path for path, text in expected.items() if not path.exists() or path.read_text() != text]


def _undeclared(root: Path, expected: dict[Path, str]) -> list[Path]:
    """Committed documents of a service no installed package declares: without this, a service whose entry point
    went missing would drop out of the check unnoticed."""
    committed = [*(root / "services").glob("*/openapi.json"), *(root / "services").glob("*/asyncapi.json")]
    return sorted(path for path in committed if path not in expected)


def schema_breaks(documents: dict[Path, str]) -> list[str]:
    """Breaking changes of the generated event schemas against the committed ones."""
    problems: list[str] = []
    for path, text in documents.items():
        if path.parent.name == "schemas" and path.exists():
            old, new = json.loads(path.read_text()), json.loads(text)
            problems.extend(f"{path.stem}: {p}" for p in breaking_changes(old, new))
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    args = parser.parse_args()
    documents = expected_documents(args.root)
    undeclared = _undeclared(args.root, documents)
    for path in undeclared:
        print(
            f"no installed service declares {path.relative_to(args.root)} "
            f"(entry point group {SERVICE_ENTRY_POINTS}; `make install` after changing a pyproject.toml)",
            file=sys.stderr,
        )
    if args.command == "check":
        stale = _differing(documents)
        for path in stale:
            print(f"out of date: {path.relative_to(args.root)}", file=sys.stderr)
        sys.exit(1 if stale or undeclared else 0)
    if undeclared:
        sys.exit(1)
    breaking = schema_breaks(documents)
    if breaking:
        print("refusing to rewrite event schemas incompatibly (add a new major version instead):", file=sys.stderr)
        for problem in breaking:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    for path, text in documents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(args.root)}")
