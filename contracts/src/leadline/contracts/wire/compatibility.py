"""Within a major version an event type may only gain optional fields. This tells what else changed.

Compared per object schema (the event and each nested definition): a field removed, a field newly
required, or a field whose type changed would break a consumer written against the old schema.
"""

from __future__ import annotations

from typing import Any

# What a field's schema says about the values it accepts; the rest (title, description,
# examples) is documentation and may change freely.
_SHAPE_KEYS = (
    "type",
    "format",
    "anyOf",
    "oneOf",
    "allOf",
    "$ref",
    "enum",
    "const",
    "items",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
)


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = _object_changes("event", old, new)
    old_defs, new_defs = old.get("$defs", {}), new.get("$defs", {})
    for name, old_def in old_defs.items():
        if name not in new_defs:
            problems.append(f"definition {name} was removed")
        else:
            problems.extend(_object_changes(name, old_def, new_defs[name]))
    return problems


def _object_changes(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for field, old_schema in old_fields.items():
        if field not in new_fields:
            problems.append(f"{where}.{field} was removed")
        elif _shape(old_schema) != _shape(new_fields[field]):
            problems.append(f"{where}.{field} changed type: {_shape(old_schema)} -> {_shape(new_fields[field])}")
    for field in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{where}.{field} became required")
    return problems


def _shape(schema: dict[str, Any]) -> dict[str, Any]:
    shape = {key: schema[key] for key in _SHAPE_KEYS if key in schema}
    for key in ("anyOf", "oneOf", "allOf"):
        if key in shape:
            shape[key] = [_shape(s) for s in shape[key]]
    if "items" in shape and isinstance(shape["items"], dict):
        shape["items"] = _shape(shape["items"])
    return shape
