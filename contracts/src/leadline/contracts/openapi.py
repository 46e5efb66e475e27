"""The OpenAPI document of a service, with its examples as the models give them.

FastAPI drops every null from the document it generates, the nulls inside examples too, so a response
field that is null in an example would look missing (and the example would not fit its own schema).
The examples are put back from the models they belong to.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_fields_from_routes
from pydantic import BaseModel


def keep_example_nulls(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            components = document.get("components", {}).get("schemas", {})
            for model in _models(app):
                examples = (model.model_config.get("json_schema_extra") or {}).get("examples")  # type: ignore[union-attr]
                if examples and model.__name__ in components:
                    components[model.__name__]["examples"] = jsonable_encoder(examples)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


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
