"""OpenAPI for the request bodies the routes read raw, from the library's own models.

The solve routes hand the raw body to a worker process (validation there keeps
the event loop free), so FastAPI does not see a body parameter. Each such route
documents its body with :func:`request_body`, and :func:`install` adds the
models' validation schemas to the document's components (suffixed ``-Input``,
as FastAPI names input schemas).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.schemas import RedispatchRequest
from matcher import DispatchProblem
from scheduler import RosterProblem

BODY_MODELS: tuple[type[BaseModel], ...] = (DispatchProblem, RedispatchRequest, RosterProblem)
"""The models read from raw request bodies."""

SUFFIX = "-Input"
REF = "#/components/schemas/{model}" + SUFFIX


def request_body(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the JSON request body, with a worked example."""
    if model not in BODY_MODELS:
        raise ValueError(f"{model.__name__} is not in api.openapi.BODY_MODELS")
    schema = {"$ref": REF.format(model=model.__name__)}
    content = {"application/json": {"schema": schema, "examples": {"example": example}}}
    return {"requestBody": {"required": True, "content": content}}


def install(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document carry the schemas of :data:`BODY_MODELS`."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            _, top = models_json_schema([(m, "validation") for m in BODY_MODELS], ref_template=REF)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in top.get("$defs", {}).items():
                schemas[name + SUFFIX] = schema
        return app.openapi_schema if app.openapi_schema is not None else generate()

    app.openapi = openapi  # type: ignore[method-assign]
