"""The OpenAPI document of a service, with its examples as the models give them and every answer it can give.

FastAPI drops every null from the document it generates, the nulls inside examples too, so a response
field that is null in an example would look missing (and the example would not fit its own schema).
The examples are put back from the models they belong to.

Every operation that takes a body can also answer 400 (not JSON) and 413 (too large): those are added
to exactly those operations. Problems are served as ``application/problem+json`` only; FastAPI would put
their schema under ``application/json`` (the default media type) and leave problem+json without one.

An operation's id is its endpoint function's name (``create_lead``, ``move_card``), not FastAPI's name, path and
method run together (``create_lead_leads_post``): it is what a client generated from the document calls it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_fields_from_routes
from fastapi.routing import APIRoute
from pydantic import BaseModel

PROBLEM_JSON = "application/problem+json"


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name, so each must be unique within its service (FastAPI warns of a duplicate)."""
    return route.name


def complete_document(app: FastAPI, body_responses: dict[int | str, dict[str, Any]]) -> None:
    """``body_responses``: what every operation with a request body can answer besides its own responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            components = document.get("components", {}).get("schemas", {})
            for model in _models(app):
                examples = (model.model_config.get("json_schema_extra") or {}).get("examples")  # type: ignore[union-attr]
                if examples and model.__name__ in components:
                    components[model.__name__]["examples"] = jsonable_encoder(examples)
            _add_body_responses(document, body_responses)
            _problems_as_problem_json(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_as_problem_json(document: dict[str, Any]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if content.get(PROBLEM_JSON) == {} and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")


def _add_body_responses(document: dict[str, Any], body_responses: dict[int | str, dict[str, Any]]) -> None:
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            for code, response in body_responses.items():
                content = {
                    media_type: {"schema": {"$ref": f"#/components/schemas/{response['model'].__name__}"}}
                    for media_type in response["content"]
                }
                operation["responses"].setdefault(
                    str(code), {"description": response["description"], "content": content}
                )


def _models(app: FastAPI) -> set[type[BaseModel]]:
    """The models of every body, response and parameter of the document, and the models inside them."""
    found: set[type[BaseModel]] = set()
    for field in get_fields_from_routes(app.routes):
        found.update(_models_in(field.field_info.annotation, found))
    return found


def _models_in(annotation: Any, seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation, seen)
    elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            yield from _models_in(argument, seen)
