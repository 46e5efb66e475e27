"""The Kubernetes manifests, parsed: every setting provided, probes and ports right, one image, one user."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from leadline.contracts.platform.settings import MANAGEMENT_PORT_OFFSET, KafkaSettings, ServiceSettings
from leadline.contracts.wire.topics import LEAD, all_topics
from tests.support.repo_layout import REPO, environment_variables, services, settings_class

KUBERNETES = REPO / "deploy" / "kubernetes"
STRIMZI = KUBERNETES / "strimzi"
SECRETS_TEMPLATE = KUBERNETES / "secrets.example.yaml"

# Settings the manifests leave to their defaults, and why; every other setting must be provided.
INTENTIONALLY_DEFAULTED = {
    "DATA_DIR": "it only locates the SQLite default, and DATABASE_URL is given",
    "HTTP_PORT": "each service's default port is its container port (checked below)",
    "MANAGEMENT_HOST": "it follows HTTP_HOST, 0.0.0.0 from the ConfigMap, so the kubelet and Prometheus reach it",
    "MANAGEMENT_PORT": "each service's default management port is its container port 'management' (checked below)",
    "JWT_JWKS_URL": "tokens are HS256 with JWT_SECRET unless an overlay points to a JWKS",
    "KAFKA_SSL_CAFILE": "the system's CAs, unless the brokers' is private (the ConfigMap shows how)",
    "KAFKA_SSL_CERTFILE": "clients authenticate with SCRAM, not with a certificate",
    "KAFKA_SSL_KEYFILE": "clients authenticate with SCRAM, not with a certificate",
    "BLOB_DIR": "raw messages and attachments go to the S3-compatible store the ConfigMap names",
    "IMAP_MAILBOXES": "no IMAP mailbox unless an overlay lists them (and runs `mailboxes`, README)",
    "SMTP_CA_FILE": "the system's CAs, unless the SMTP server's is private",
}

Manifest = dict[str, Any]


def load(path: Path) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def kustomization() -> Manifest:
    (document,) = load(KUBERNETES / "kustomization.yaml")
    return document


def applied() -> list[Manifest]:
    return [manifest for resource in kustomization()["resources"] for manifest in load(KUBERNETES / resource)]


def named(kind: str, name: str) -> Manifest:
    (manifest,) = [m for m in applied() if m["kind"] == kind and m["metadata"]["name"] == name]
    return manifest


def secret_templates() -> dict[str, dict[str, str]]:
    return {secret["metadata"]["name"]: secret["stringData"] for secret in load(SECRETS_TEMPLATE)}


def config_maps() -> dict[str, dict[str, str]]:
    return {m["metadata"]["name"]: m["data"] for m in applied() if m["kind"] == "ConfigMap"}


def pod_spec(workload: Manifest) -> Manifest:
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def environment(container: Manifest) -> dict[str, str]:
    """The variables a container gets from its envFrom and env, with the Secrets' template values."""
    result: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            result.update(config_maps()[source["configMapRef"]["name"]])
        else:
            result.update(secret_templates()[source["secretRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            result[variable["name"]] = variable["value"]
        else:
            reference = variable["valueFrom"]["secretKeyRef"]
            result[variable["name"]] = secret_templates()[reference["name"]][reference["key"]]
    return result


def leadline_containers() -> Iterator[tuple[str, Manifest, type[BaseSettings]]]:
    """Every container that runs Leadline code, with the settings class its command reads."""
    for service in services():
        spec = pod_spec(named("Deployment", f"leadline-{service}"))
        for container in spec["initContainers"] + spec["containers"]:
            yield f"{service}/{container['name']}", container, settings_class(service)
    (topics,) = pod_spec(named("Job", "leadline-topics"))["containers"]
    yield "topics", topics, KafkaSettings


CONTAINERS = list(leadline_containers())
IDS = [name for name, _, _ in CONTAINERS]


def main_container(service: str) -> Manifest:
    containers: list[Manifest] = pod_spec(named("Deployment", f"leadline-{service}"))["containers"]
    (container,) = containers
    return container


def test_every_manifest_is_applied_except_the_secrets_template() -> None:
    files = {path.name for path in KUBERNETES.glob("*.yaml")}

    assert files == {*kustomization()["resources"], "kustomization.yaml", SECRETS_TEMPLATE.name}


@pytest.mark.parametrize("service", services())
def test_each_service_has_a_deployment_a_service_and_a_disruption_budget(service: str) -> None:
    deployment = named("Deployment", f"leadline-{service}")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]

    def selects_the_pods(selector: dict[str, str]) -> bool:
        return bool(selector) and selector.items() <= pod_labels.items()

    assert selects_the_pods(deployment["spec"]["selector"]["matchLabels"])
    assert selects_the_pods(named("Service", f"leadline-{service}")["spec"]["selector"])
    budget = named("PodDisruptionBudget", f"leadline-{service}")
    assert selects_the_pods(budget["spec"]["selector"]["matchLabels"])
    assert deployment["spec"]["replicas"] >= 2, "one replica may be lost or evicted while the other serves"
    assert budget["spec"]["minAvailable"] >= 1, "a voluntary disruption must leave a replica serving"
    assert budget["spec"]["minAvailable"] < deployment["spec"]["replicas"], "a drain could never evict a pod"


@pytest.mark.parametrize(("name", "container", "settings"), CONTAINERS, ids=IDS)
def test_every_setting_is_provided_or_intentionally_defaulted(
    name: str, container: Manifest, settings: type[BaseSettings]
) -> None:
    provided = set(environment(container))

    missing = environment_variables(settings) - set(INTENTIONALLY_DEFAULTED) - provided
    assert not missing, f"{name} does not get {sorted(missing)}"
    # The shared ConfigMap gives every container the services' common settings; a service's own, only its own.
    unknown = provided - environment_variables(settings) - environment_variables(ServiceSettings)
    assert not unknown, f"{name} gets {sorted(unknown)}, which no setting of its reads"


def test_the_intentional_defaults_are_settings() -> None:
    every = set().union(*(environment_variables(settings_class(service)) for service in services()))
    assert set(INTENTIONALLY_DEFAULTED) <= every


@pytest.mark.parametrize(("name", "container", "settings"), CONTAINERS, ids=IDS)
def test_the_configuration_is_accepted_as_production_configuration(
    name: str, container: Manifest, settings: type[BaseSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in environment_variables(settings):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment(container).items():
        monkeypatch.setenv(variable, value)

    read = settings()

    assert isinstance(read, KafkaSettings)
    assert read.kafka_security_protocol == "SASL_SSL"
    assert read.kafka_sasl_mechanism.startswith("SCRAM-")
    if isinstance(read, ServiceSettings):
        assert read.database_url.startswith("postgresql+asyncpg://")
        assert read.http_host == "0.0.0.0"


@pytest.mark.parametrize("service", services())
def test_commands_probes_ports_and_scraping(service: str) -> None:
    deployment = named("Deployment", f"leadline-{service}")
    container = main_container(service)
    (migrate,) = pod_spec(deployment)["initContainers"]
    api, management, *_protocols_of_its_own = container["ports"]  # communications: lmtp
    expected_port = settings_class(service).default_http_port
    expected_management_port = expected_port + MANAGEMENT_PORT_OFFSET

    assert container["command"] == ["python", "-m", f"leadline.{service}", "serve"]
    assert migrate["command"] == ["python", "-m", f"leadline.{service}", "migrate"]
    assert (api["name"], api["containerPort"]) == ("http", expected_port)
    assert (management["name"], management["containerPort"]) == ("management", expected_management_port)
    probes = {
        "readinessProbe": ("/ready", management),
        "livenessProbe": ("/health", api),
        "startupProbe": ("/health", api),
    }
    for probe, (path, port) in probes.items():
        assert container[probe]["httpGet"]["path"] == path
        assert container[probe]["httpGet"]["port"] in (port["name"], port["containerPort"])
    (service_port,) = named("Service", f"leadline-{service}")["spec"]["ports"]
    assert service_port["port"] == expected_port
    assert service_port["targetPort"] in (api["name"], expected_port), "the Service never routes to management"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(expected_management_port)
    assert annotations["prometheus.io/path"] == "/metrics"


def test_the_ports_are_the_readmes() -> None:
    (row,) = [line for line in (REPO / "README.md").read_text().splitlines() if line.startswith("| `HTTP_HOST`")]
    documented = {service: int(port) for port, service in re.findall(r"(\d{4}) (\w+)", row)}

    assert documented == {service: main_container(service)["ports"][0]["containerPort"] for service in services()}


def test_the_topics_job_replicates_three_times_with_the_catalogue_command() -> None:
    (container,) = pod_spec(named("Job", "leadline-topics"))["containers"]
    scripts = tomllib.loads((REPO / "contracts" / "pyproject.toml").read_text())["project"]["scripts"]

    assert container["command"] == ["leadline-topics", "--replication-factor", "3"]
    assert scripts["leadline-topics"] == "leadline.contracts.platform.topic_provisioning:main"


def test_every_container_runs_the_one_image_as_the_images_user() -> None:
    (image,) = kustomization()["images"]
    (user,) = re.findall(r"^USER (\d+):(\d+)$", (REPO / "deploy/docker/Dockerfile").read_text(), re.MULTILINE)
    workloads = [m for m in applied() if m["kind"] in ("Deployment", "Job")]

    assert {c["image"] for _, c, _ in CONTAINERS} == {image["name"]}
    assert len(CONTAINERS) == sum(
        len(pod_spec(w).get("initContainers", []) + pod_spec(w)["containers"]) for w in workloads
    )
    for workload in workloads:
        context = pod_spec(workload)["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (str(context["runAsUser"]), str(context["runAsGroup"])) == user
    for name, container, _ in CONTAINERS:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert "memory" in container["resources"]["limits"], name


def test_secrets_are_not_in_the_config_map() -> None:
    secret_variables = {variable for template in secret_templates().values() for variable in template}

    assert not secret_variables & {variable for data in config_maps().values() for variable in data}
    assert {"JWT_SECRET", "KAFKA_SASL_PASSWORD", "DATABASE_URL"} <= secret_variables


def test_the_readmes_first_step_applies_just_what_the_topics_job_needs() -> None:
    (selector,) = re.findall(r"kubectl apply -k <overlay> -l '([^']+)'", (REPO / "README.md").read_text())
    match = re.fullmatch(r"app\.kubernetes\.io/component in \(([\w,]+)\)", selector)
    assert match, selector
    components = set(match.group(1).split(","))

    picked = {
        f"{m['kind']}/{m['metadata']['name']}"
        for m in applied()
        if m["metadata"].get("labels", {}).get("app.kubernetes.io/component") in components
    }

    assert picked == {"ConfigMap/leadline-config", "Job/leadline-topics"}


def test_the_strimzi_topics_are_the_catalogues_replicated_three_times_two_in_sync() -> None:
    declared = {m["spec"]["topicName"]: m for m in load(STRIMZI / "kafka-topics.yaml")}
    (strimzi_kustomization,) = load(STRIMZI / "kustomization.yaml")

    assert strimzi_kustomization["resources"] == ["kafka-topics.yaml"]
    assert set(declared) == {topic.name for topic in all_topics()}
    for topic in all_topics():
        manifest = declared[topic.name]
        assert (manifest["apiVersion"], manifest["kind"]) == ("kafka.strimzi.io/v1beta2", "KafkaTopic")
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", manifest["metadata"]["name"]), "a Kubernetes name"
        assert manifest["metadata"]["labels"]["strimzi.io/cluster"]
        assert (manifest["spec"]["partitions"], manifest["spec"]["replicas"]) == (topic.partitions, 3)
        assert manifest["spec"]["config"] == topic.broker_config(min_insync_replicas=2)
    assert declared[LEAD.name]["spec"]["config"]["retention.ms"] == "-1"  # the event log is kept for ever
