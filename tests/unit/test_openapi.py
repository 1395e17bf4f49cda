"""The OpenAPI document describes exactly the routes the application serves."""

from __future__ import annotations

import re

from campaign.api.openapi import document
from campaign.bootstrap import build
from campaign.settings import load_settings
from campaign.web.app import create_app


def _served() -> set[tuple[str, str]]:
    services = build(load_settings(database_url="sqlite+aiosqlite://", secret_key="k" * 32))
    app = create_app(services)
    served = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method in ("HEAD", "*") or not re.match(r"^/(api/|healthz|readyz)", path):
            continue
        served.add((route.method.lower(), path))
    return served


def _documented() -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (method, path)
        for path, item in document()["paths"].items()
        for method in item
        if method in methods
    }


def test_every_route_is_documented_and_nothing_else() -> None:
    assert _served() == _documented()


def test_every_reference_resolves() -> None:
    doc = document()
    text = repr(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name
