"""What sends faster than the worker, in a process of its own: the ceiling, and the adapter.

``library``: the ceiling. ``aiosmtplib`` alone: ``--connections`` connections opened (and
greeted with EHLO) before the clock starts, each a coroutine sending MAIL, RCPT, DATA for one
recipient after another until ``--count`` mails are sent, all of them the same bytes
(``--mail``: one mail the worker sent, written once by ``MailWriter``) from the same envelope
sender: no database, no rendering, no mail written per recipient, the pool at its best.

``adapter``: the product's SMTP provider as the composition root builds it (``SmtpEmail``:
``MailWriter`` per mail, the signed return path and Message-ID, the pool of ``SMTP_POOL_SIZE``
connections) with ``--in-flight`` coroutines calling ``send`` for one recipient after another,
each with the worker's message (``--message``, JSON); no database, no rendering.

Recipients are addresses of their own (``plafond…``, ``adapter…``), distinct, as long as the
worker's. One JSON line: sent, failed (by exception), seconds, and this process's CPU seconds::

    python -m bench.email.ceiling library --port P --count N --connections 10 --mail F --sender S
    python -m bench.email.ceiling adapter --port P --count N --connections 10 --message F
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosmtplib

from bench.dispatch.scenario import SECRET_KEY
from bench.email.stage import BOUNCE_DOMAIN, EMAIL_FROM, address
from campaign.bootstrap import build
from campaign.channels import OutboundMessage, SendError
from campaign.kernel.channel import Channel
from campaign.settings import load_settings

Timed = tuple[Counter[str], float, float]  # outcomes, wall seconds, CPU seconds


async def _connected(port: int) -> aiosmtplib.SMTP:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=15)
    await smtp.connect()
    if smtp.is_ehlo_or_helo_needed:
        await smtp.ehlo()
    return smtp


async def library(port: int, count: int, connections: int, data: bytes, sender: str) -> Timed:
    """The same bytes ``count`` times over ``connections`` connections: outcomes, seconds."""
    pool = [await _connected(port) for _ in range(connections)]
    outcomes: Counter[str] = Counter()
    indexes: Iterator[int] = iter(range(count))  # shared: each connection takes the next

    async def sender_on(smtp: aiosmtplib.SMTP) -> None:
        for index in indexes:
            try:
                await smtp.mail(sender)
                await smtp.rcpt(address(index, "plafond"))
                await smtp.data(data)
                outcomes["sent"] += 1
            except aiosmtplib.SMTPException as exc:  # counted and shown, never stops the rest
                outcomes[type(exc).__name__] += 1
                if not smtp.is_connected:
                    smtp = await _connected(port)

    clock = _Clock()
    await asyncio.gather(*(sender_on(smtp) for smtp in pool))
    timed = clock.read(outcomes)
    for smtp in pool:
        if smtp.is_connected:
            await smtp.quit()
    return timed


async def adapter(
    port: int, count: int, connections: int, in_flight: int, message: dict[str, Any]
) -> Timed:
    """The product's provider sending ``count`` mails, ``in_flight`` at a time."""
    settings = load_settings(
        database_url="sqlite+aiosqlite:///:memory:",  # never opened: only the provider is used
        secret_key=SECRET_KEY,
        email_provider="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        smtp_pool_size=connections,
        email_from=EMAIL_FROM,
        bounce_domain=BOUNCE_DOMAIN,
    )
    services = build(settings)
    provider = services.providers[Channel.EMAIL]
    outcomes: Counter[str] = Counter()
    indexes: Iterator[int] = iter(range(count))

    async def caller() -> None:
        for index in indexes:
            outbound = OutboundMessage(
                message_id=index + 1,
                channel=Channel.EMAIL,
                to=address(index, "adapter"),
                language=message["language"],
                text=message["text"],
                subject=message["subject"],
                html=message["html"],
                headers=message["headers"],
            )
            try:
                await provider.send(outbound)
                outcomes["sent"] += 1
            except SendError as exc:
                outcomes[type(exc).__name__] += 1

    try:
        clock = _Clock()
        await asyncio.gather(*(caller() for _ in range(in_flight)))
        return clock.read(outcomes)
    finally:
        await services.close()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    """Wall and CPU seconds from its making (after the set-up: imports, connections)."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), _cpu()

    def read(self, outcomes: Counter[str]) -> Timed:
        return outcomes, time.perf_counter() - self._wall, _cpu() - self._cpu


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.email.ceiling")
    parser.add_argument("mode", choices=("library", "adapter"))
    parser.add_argument("--port", type=int, required=True, help="the sink's, on 127.0.0.1")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10, help="SMTP_POOL_SIZE")
    parser.add_argument("--in-flight", type=int, default=500, help="adapter: sends at once")
    parser.add_argument("--mail", type=Path, help="library: the mail's bytes")
    parser.add_argument("--sender", default="", help="library: the envelope sender")
    parser.add_argument("--message", type=Path, help="adapter: the message, as JSON")
    args = parser.parse_args()
    if args.mode == "library":
        data = args.mail.read_bytes()
        run = library(args.port, args.count, args.connections, data, args.sender)
    else:
        message = json.loads(args.message.read_text())
        run = adapter(args.port, args.count, args.connections, args.in_flight, message)
    outcomes, seconds, cpu = asyncio.run(run)
    sent = outcomes.pop("sent", 0)
    print(json.dumps({"sent": sent, "failed": dict(outcomes), "seconds": seconds, "cpu": cpu}))


if __name__ == "__main__":
    main()
