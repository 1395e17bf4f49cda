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
