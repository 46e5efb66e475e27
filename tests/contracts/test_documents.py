"""The committed API documents are the product's API: they must match the code, and evolve compatibly."""

from __future__ import annotations

import json
from pathlib import Path

from leadline.contracts.docs import expected_documents, schema_breaks, stale_documents

REPO = Path(__file__).resolve().parents[2]


def test_committed_documents_match_the_code() -> None:
    stale = [str(p.relative_to(REPO)) for p in stale_documents(REPO)]
    assert stale == [], f"regenerate with `make contracts`: {stale}"


def test_event_schemas_change_compatibly_within_a_major_version() -> None:
    assert schema_breaks(expected_documents(REPO)) == []


def test_every_operation_but_health_metrics_and_docs_requires_a_bearer_token() -> None:
    for service in ("leads", "communications", "documents", "reporting"):
        openapi = json.loads((REPO / "services" / service / "openapi.json").read_text())
        for path, operations in openapi["paths"].items():
            for method, operation in operations.items():
                public = path in ("/health", "/ready", "/metrics")  # the health family: no business data
                assert ("security" in operation) is not public, f"{service} {method.upper()} {path}"
                if not public:
                    assert "401" in operation["responses"], f"{service} {method.upper()} {path} documents no 401"
