"""The service on a loopback port, served from an event loop on a thread of its own.

Schemathesis calls the API over HTTP with ``requests`` (aiohttp is neither ASGI nor WSGI), so the
application must listen on a real socket while the test thread blocks. The services are built
in the server's loop, as ``campaign serve`` builds them, and work for the server (building the
world, checking a key) is handed to that loop with ``call``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web

from campaign.bootstrap import build
from campaign.kernel.clock import ManualClock
from campaign.services import Services
from campaign.settings import load_settings
from campaign.web.app import app_runner, create_app
from tests.factories import TEST_SECRET

T = TypeVar("T")
_STARTUP_SECONDS = 30.0
_CALL_SECONDS = 120.0


class ServedApp:
    """``create_app`` over a database, listening on 127.0.0.1 at a free port."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.clock = ManualClock()
        self.services: Services | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()
        self.call(self._serve, timeout=_STARTUP_SECONDS)

    def call(
        self, factory: Callable[[], Coroutine[Any, Any, T]], *, timeout: float = _CALL_SECONDS
    ) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(factory(), self._loop)
        return future.result(timeout)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=_STARTUP_SECONDS)
        self._loop.close()

    async def _serve(self) -> None:
        settings = load_settings(database_url=self._database_url, secret_key=TEST_SECRET)
        self.services = build(settings, clock=self.clock)
        # As `campaign serve` runs it, with the same request-line and header limits.
        self._runner = app_runner(create_app(self.services, close_services=True))
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
