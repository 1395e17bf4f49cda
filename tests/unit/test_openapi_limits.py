"""Every input the OpenAPI document describes states its size: texts a maxLength (or a fixed
set, pattern or format), lists a maxItems, open objects a maxProperties (decision 0032)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from campaign.api.openapi import document

_BOUNDED_TEXT = ("maxLength", "enum", "const", "pattern", "format")


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _unbounded(schema: dict[str, Any], doc: dict[str, Any], where: str) -> Iterator[str]:
    """Where in ``schema`` an input of any size would be taken."""
    schema = _resolve(schema, doc)
    types = _types(schema)
    if "string" in types and not any(key in schema for key in _BOUNDED_TEXT):
        yield f"{where}: a text without maxLength"
    if "array" in types:
        if "maxItems" not in schema:
            yield f"{where}: a list without maxItems"
        yield from _unbounded(schema.get("items", {}), doc, f"{where}[]")
    if "object" in types and schema.get("additionalProperties") not in (None, False):
        if "maxProperties" not in schema:
            yield f"{where}: an object without maxProperties"
        names = schema.get("propertyNames", {"type": "string"})
        yield from _unbounded(names, doc, f"{where}.<name>")
        yield from _unbounded(schema["additionalProperties"], doc, f"{where}.*")
    for name, member in schema.get("properties", {}).items():
        yield from _unbounded(member, doc, f"{where}.{name}")
    for key in ("anyOf", "oneOf", "allOf"):
        for index, member in enumerate(schema.get(key, [])):
            yield from _unbounded(member, doc, f"{where}<{index}>")


def _inputs(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each request body and parameter schema, named by its route."""
    for path, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if not isinstance(operation, dict) or method == "parameters":
                continue
            route = f"{method.upper()} {path}"
            for parameter in [*shared, *operation.get("parameters", [])]:
                parameter = _resolve(parameter, doc)
                schema = parameter.get("schema", {})
                yield f"{route} {parameter['in']} {parameter['name']}", schema
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield f"{route} body", content["application/json"]["schema"]


def test_every_input_states_its_size() -> None:
    doc = document()
    unbounded = [
        problem for route, schema in _inputs(doc) for problem in _unbounded(schema, doc, route)
    ]
    assert unbounded == []


def test_each_body_schema_has_a_name_of_its_own() -> None:
    """Two bodies under one name would state one's limits for both."""
    doc = document()
    names: dict[str, set[str]] = {}
    for route, schema in _inputs(doc):
        if route.endswith(" body") and "$ref" in schema:
            names.setdefault(schema["$ref"], set()).add(route.split(" ")[1].split("/")[3])
    shared = {name: areas for name, areas in names.items() if len(areas) > 1}
    assert shared == {}
