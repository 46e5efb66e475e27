from __future__ import annotations

from typing import Any

from leadline.contracts.wire.compatibility import breaking_changes
from leadline.contracts.wire.events import LeadCreatedV1


def schema() -> dict[str, Any]:
    return LeadCreatedV1.model_json_schema(mode="serialization")


def test_adding_an_optional_field_is_compatible() -> None:
    new = schema()
    new["properties"]["priority"] = {"type": "string"}
    assert breaking_changes(schema(), new) == []


def test_documentation_may_change() -> None:
    new = schema()
    new["properties"]["name"]["description"] = "The lead's name, as sales calls it."
    assert breaking_changes(schema(), new) == []


def test_removing_requiring_or_retyping_a_field_breaks() -> None:
    new = schema()
    del new["properties"]["email"]
    new["required"].append("priority")
    new["properties"]["priority"] = {"type": "string"}
    new["properties"]["name"] = {"type": "integer"}
    problems = breaking_changes(schema(), new)
    assert "event.email was removed" in problems
    assert "event.priority became required" in problems
    assert any(p.startswith("event.name changed type") for p in problems)


def test_nested_definitions_are_compared_too() -> None:
    new = schema()
    new["$defs"]["LeadOrigin"]["properties"]["kind"] = {"type": "integer"}
    (problem,) = breaking_changes(schema(), new)
    assert problem.startswith("LeadOrigin.kind changed type")
