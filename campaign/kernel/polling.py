"""The loop every background role runs: do a step, rest when it found nothing, stop on a signal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def poll_until(
    stop: asyncio.Event,
    step: Callable[[], Awaitable[int]],
    *,
    idle_seconds: float,
    what: str,
) -> None:
    """Run ``step`` until ``stop`` is set; wait ``idle_seconds`` (or for ``stop``) after a step
    that did nothing or failed. A failing step is logged and tried again, never fatal."""
    while not stop.is_set():
        try:
            done = await step()
        except Exception:
            log.exception("%s failed; retrying shortly", what)
            done = 0
        if done == 0:
            await rest(stop, idle_seconds)


async def rest(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
