"""A small client for HTTP tests: calls with a role's key, answers as status, JSON and type."""

from __future__ import annotations

import csv
import io
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

    async def get_ok(self, path: str, key: str = "editor") -> dict[str, Any]:
        """A GET that must answer 200 with a JSON object, which it returns."""
        status, body, _ = await self.call("GET", path, key=key)
        assert status == 200, body
        return dict(body)

    async def csv_rows(self, path: str, key: str = "editor") -> list[dict[str, str]]:
        """A CSV download's rows, after checking it is one Excel reads as UTF-8; the delimiter is
        a semicolon unless the path asks for ``delimiter=comma``."""
        headers = {"Authorization": f"Bearer {self.keys[key]}"}
        response = await self.client.get(path, headers=headers)
        text = await response.text()
        assert response.status == 200, text
        assert response.content_type == "text/csv"
        assert text.startswith("\ufeff")  # so Excel reads UTF-8
        delimiter = "," if "delimiter=comma" in path else ";"
        return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
