"""Pieces every part of the OpenAPI document uses: references, JSON answers and bodies, errors."""

from __future__ import annotations

from typing import Any

PROBLEM: dict[str, Any] = {"$ref": "#/components/responses/Problem"}
ERRORS: dict[str, Any] = {code: PROBLEM for code in ("401", "403", "404", "409", "422")}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(name: str, description: str) -> dict[str, Any]:
    """A response whose JSON body is the schema ``name``."""
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}


def json_body(name: str) -> dict[str, Any]:
    """A required JSON request body of the schema ``name``."""
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def id_in_path(name: str) -> dict[str, Any]:
    """The path parameter ``name``: a record's integer id (``{campaign_id}``, ``{key_id}``)."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


# The path parameter of every /api/v1/campaigns/{campaign_id}/… route.
CAMPAIGN_ID: dict[str, Any] = id_in_path("campaign_id")
# The ``delimiter`` of a CSV answer (semicolon: what Belgian Excel reads).
DELIMITER: dict[str, Any] = {
    "name": "delimiter",
    "in": "query",
    "schema": {"enum": ["semicolon", "comma"], "default": "semicolon"},
}
CSV_ANSWER: dict[str, Any] = {
    "description": "UTF-8 CSV with a byte order mark",
    "content": {"text/csv": {"schema": {"type": "string"}}},
}
