"""The process roles: serve (HTTP), worker (dispatch and events), scheduler (the clock), and
mail-in (the bounce receiver, when ``CAMPAIGN_MAIL_IN_PORT`` is set).

``run`` starts all three in one process: the embedded default. Each role runs until the
shared ``stop`` event is set (SIGINT or SIGTERM), then finishes what it holds and returns.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from aiohttp import web

from campaign.kernel.polling import poll_until
from campaign.services import Services

log = logging.getLogger(__name__)


async def serve(services: Services, stop: asyncio.Event, host: str, port: int) -> None:
    from campaign.web.app import app_runner, create_app

    runner = app_runner(create_app(services))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("serving on http://%s:%s", host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def work(services: Services, stop: asyncio.Event) -> None:
    worker, events, lookups = services.worker, services.events, services.lookups
    log.info("worker %s started", worker.worker_id)
    await asyncio.gather(
        worker.run_forever(stop),
        poll_until(stop, events.dispatch_once, idle_seconds=1.0, what="event dispatch"),
        poll_until(stop, lookups.run_once, idle_seconds=5.0, what="look-ups of unknown sends"),
    )


async def receive_mail(services: Services, stop: asyncio.Event, host: str, port: int) -> None:
    """The bounce receiver: SMTP for our return path, kept through the bounce inbox."""
    from campaign.web.mail_in import start_receiver

    bounces = services.bounces

    async def keep(data: bytes, recipients: Sequence[str]) -> None:
        await bounces.receive(data, envelope_to=recipients, via="smtp")

    server = await start_receiver(keep, host, port, domain=services.settings.bounce_domain)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


async def keep_time(services: Services, stop: asyncio.Event) -> None:
    clock = services.scheduler
    await clock.start()
    log.info("scheduler started")
    try:
        await stop.wait()
    finally:
        await clock.stop()


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run_roles(
    services: Services, roles: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]
) -> None:
    """Run ``roles`` until a signal; then close every adapter."""
    stop = asyncio.Event()
    stop_on_signals(stop)
    try:
        tasks = [asyncio.create_task(role(stop)) for role in roles]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                stop.set()
        await asyncio.gather(*tasks)
    finally:
        await services.close()
        log.info("stopped cleanly")
