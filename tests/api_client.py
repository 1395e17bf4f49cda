"""A small client for HTTP tests: calls with a role's key, answers as status, JSON and type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from campaign.services import Services

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


@dataclass
class Api:
    client: TestClient[web.Request, web.Application]
    services: Services
    keys: dict[str, str]

    async def call(
        self, method: str, path: str, key: str | None = "editor", json: Any = None, data: Any = None
    ) -> tuple[int, Any, str]:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        response = await self.client.request(method, path, headers=headers, json=json, data=data)
        body = await response.json(content_type=None)
        return response.status, body, response.content_type
