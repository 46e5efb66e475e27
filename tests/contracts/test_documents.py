"""The committed API documents are the product's API: they must match the code, and evolve compatibly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from leadline.contracts.tooling.docs import expected_documents, schema_breaks, service_apps, stale_documents
from leadline.contracts.tooling.services import service_names
from tests.support.repo_layout import services

REPO = Path(__file__).resolve().parents[2]


def test_committed_documents_match_the_code() -> None:
    stale = [str(p.relative_to(REPO)) for p in stale_documents(REPO)]
    assert stale == [], f"regenerate with `make contracts`: {stale}"


def test_every_service_declares_itself_to_the_document_generator() -> None:
    assert sorted(service_apps()) == sorted(services())


def test_a_committed_document_of_a_service_nobody_declares_is_stale(tmp_path: Path) -> None:
    orphan = tmp_path / "services" / "retired" / "openapi.json"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("{}\n")

    assert orphan in stale_documents(tmp_path)


def test_event_schemas_change_compatibly_within_a_major_version() -> None:
    assert schema_breaks(expected_documents(REPO)) == []


# A PBX signs its notifications instead of sending a bearer token: those operations declare their signature header.
SIGNED_BY_A_PBX = {"/telephony/zadarma": "ZadarmaSignature", "/telephony/webhooks/{gateway}": "GatewaySignature"}


def test_every_operation_but_health_metrics_and_docs_requires_a_bearer_token_or_a_signature() -> None:
    for service in service_names():
        openapi = json.loads((REPO / "services" / service / "openapi.json").read_text())
        for path, operations in openapi["paths"].items():
            for method, operation in operations.items():
                where = f"{service} {method.upper()} {path}"
                # The health family has no business data; Zadarma checks its notification URL by having it echo.
                public = path in ("/health", "/ready", "/metrics") or (method, path) == ("get", "/telephony/zadarma")
                assert ("security" in operation) is not public, where
                if public:
                    continue
                assert "401" in operation["responses"], f"{where} documents no 401"
                schemes = {scheme for requirement in operation["security"] for scheme in requirement}
                assert schemes == {SIGNED_BY_A_PBX.get(path, "HTTPBearer")}, where


def _component(openapi: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The named model a JSON body is (or is a list of); None for an inline schema."""
    schema = schema.get("items", schema) if schema.get("type") == "array" else schema
    ref = schema.get("$ref")
    if ref is None:
        return None
    name = ref.rsplit("/", 1)[-1]
    return name, openapi["components"]["schemas"][name]


def _json_bodies(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each operation's JSON request body and 2xx JSON response, as (where, schema)."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            request = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if request:
                yield f"{where} request", request["schema"]
            for status, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json")
                if status.startswith("2") and body:
                    yield f"{where} {status}", body["schema"]


def test_every_json_body_has_examples_that_fit_its_schema() -> None:
    """What sales apps read first in the docs: an example of each request and response, valid for its model."""
    for service in service_names():
        openapi = json.loads((REPO / "services" / service / "openapi.json").read_text())
        for where, schema in _json_bodies(openapi):
            component = _component(openapi, schema)
            if component is None:
                continue
            name, model = component
            assert model.get("examples"), f"{service} {where}: {name} has no examples"
            validator = Draft202012Validator({**model, "components": openapi["components"]})
            for example in model["examples"]:
                errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(example)]
                assert not errors, f"{service} {name} example: {errors}"


def test_every_create_takes_an_idempotency_key() -> None:
    """A create answers 201 (or 202 when another service completes it); a retry of it must have one effect."""
    for service in service_names():
        openapi = json.loads((REPO / "services" / service / "openapi.json").read_text())
        for path, operations in openapi["paths"].items():
            for method, operation in operations.items():
                creates = method == "post" and {"201", "202"} & operation["responses"].keys()
                if not creates or path == "/mail/messages":  # an upload is stored once per Message-ID already
                    continue
                headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
                assert "Idempotency-Key" in headers, f"{service} POST {path}"


def test_every_operation_has_a_readable_id_of_its_own() -> None:
    """An id is the endpoint function's name (what a generated client calls it), never FastAPI's default of name,
    path and method run together, and no two operations of a service share one."""
    for service in service_names():
        openapi = json.loads((REPO / "services" / service / "openapi.json").read_text())
        ids = [
            operation["operationId"] for operations in openapi["paths"].values() for operation in operations.values()
        ]
        assert len(ids) == len(set(ids)), f"{service}: {sorted(i for i in ids if ids.count(i) > 1)}"
        for path, operations in openapi["paths"].items():
            for method, operation in operations.items():
                route_spelt_out = (
                    path.strip("/").replace("/", "_").replace("-", "_").replace("{", "_").replace("}", "_")
                )
                assert not operation["operationId"].endswith(f"{route_spelt_out}_{method}"), (
                    f"{service} {method} {path}"
                )
