"""The ``twilio`` library alone, in a process of its own: the ceiling, and the loop a user writes.

``ceiling``: ``Client`` over ``AsyncTwilioHttpClient`` with its session replaced by one allowing
``--concurrency`` connections, as the adapter does, and that many coroutines calling
``create_async`` one after the other until ``--count`` messages are created: no database, no
rendering, nothing but the library and the fake. ``sync``: the synchronous ``Client`` (its
default ``requests`` client) calling ``client.messages.create`` in a plain loop.

Both send what the worker sends (To, From, the body of a message the worker sent, a
StatusCallback and a ValidityPeriod; To numbers of their own, +3248… and +3246…, so that one
fake can take both and still tell a number sent twice) and print one JSON line: created,
failed (by exception), seconds, and the CPU seconds of this process::

    python -m bench.twilio.library ceiling --base URL --count N --concurrency C --body TEXT
    python -m bench.twilio.library sync --base URL --count N --body TEXT
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import aiohttp
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bench.twilio.processes import ACCOUNT_SID, AUTH_TOKEN, SENDER

VALIDITY = 36_000  # what the worker asks for in a two-day window: Twilio's maximum


def _fields(index: int, body: str, public_url: str, prefix: str) -> dict[str, Any]:
    return {
        "to": f"{prefix}{index:07d}",
        "from_": SENDER,
        "body": body,
        "status_callback": f"{public_url}/webhooks/twilio/status?message_id={index + 1}",
        "validity_period": VALIDITY,
    }


async def ceiling(
    base: str, count: int, concurrency: int, body: str, public_url: str
) -> Counter[str]:
    http = AsyncTwilioHttpClient(pool_connections=False)
    http.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    client.api.base_url = base
    messages = client.api.v2010.accounts(ACCOUNT_SID).messages
    outcomes: Counter[str] = Counter()
    indexes: Iterator[int] = iter(range(count))  # shared: each sender takes the next

    async def sender() -> None:
        for index in indexes:
            try:
                await messages.create_async(**_fields(index, body, public_url, "+3248"))
                outcomes["created"] += 1
            except Exception as exc:  # counted and shown: the ceiling must not stop on one
                outcomes[type(exc).__name__] += 1

    try:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    finally:
        await http.close()
    return outcomes


def sync_loop(base: str, count: int, body: str, public_url: str) -> Counter[str]:
    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = base
    outcomes: Counter[str] = Counter()
    for index in range(count):
        try:
            client.messages.create(**_fields(index, body, public_url, "+3246"))
            outcomes["created"] += 1
        except Exception as exc:
            outcomes[type(exc).__name__] += 1
    return outcomes


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.twilio.library")
    parser.add_argument("mode", choices=("ceiling", "sync"))
    parser.add_argument("--base", required=True, help="the fake's base URL")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--body", required=True)
    parser.add_argument("--public-url", default="http://127.0.0.1:8080")
    args = parser.parse_args()
    cpu, started = _cpu(), time.perf_counter()
    if args.mode == "ceiling":
        outcomes = asyncio.run(
            ceiling(args.base, args.count, args.concurrency, args.body, args.public_url)
        )
    else:
        outcomes = sync_loop(args.base, args.count, args.body, args.public_url)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    created = outcomes.pop("created", 0)
    print(
        json.dumps({"created": created, "failed": dict(outcomes), "seconds": seconds, "cpu": cpu})
    )


if __name__ == "__main__":
    main()
