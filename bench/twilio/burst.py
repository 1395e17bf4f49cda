"""A burst of signed status callbacks, posted as Twilio posts them, in a process of its own.

It reads the messages of a run (id, provider id, address), builds one "delivered" callback for
each (the i-th of ``--count`` goes to the run's (i mod N)-th message, so a count larger than
the run repeats some, as a duplicate callback), signs each over its URL with the auth token
(``X-Twilio-Signature``, the fake's own ``twilio_signature``), and only then starts the clock
and posts them all to ``campaign serve`` with ``--concurrency`` in flight, each given 15 s as
Twilio gives a webhook, never repeated. One JSON line: posted, answers by HTTP status (or
exception), when the first post left (epoch seconds), seconds until the last answer, CPU::

    python -m bench.twilio.burst --serve URL --database URL --run-id N --count 50000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from collections import Counter
from collections.abc import Iterator
from urllib.parse import urlencode

import aiohttp
import asyncpg
from yarl import URL

from bench.twilio.processes import ACCOUNT_SID, AUTH_TOKEN, SENDER
from tests.fakes.twilio_callbacks import CALLBACK_TIMEOUT, SIGNATURE_HEADER, twilio_signature

_MESSAGES = "SELECT id, provider_id, address FROM messages WHERE run_id = $1 ORDER BY id"
Post = tuple[URL, bytes, dict[str, str]]


async def _messages(database: str, run_id: int) -> list[tuple[int, str, str]]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch(_MESSAGES, run_id)
    finally:
        await conn.close()
    return [(int(r["id"]), str(r["provider_id"] or ""), str(r["address"])) for r in rows]


def _callback(serve: str, message_id: int, sid: str, to: str) -> Post:
    url = f"{serve}/webhooks/twilio/status?message_id={message_id}"
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": SENDER,
        "To": to,
        "MessageStatus": "delivered",
        "SmsStatus": "delivered",
        "ApiVersion": "2010-04-01",
    }
    headers = {
        SIGNATURE_HEADER: twilio_signature(AUTH_TOKEN, url, form),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return URL(url, encoded=True), urlencode(form).encode(), headers


async def _post_all(posts: list[Post], concurrency: int) -> tuple[Counter[str], float, float]:
    answers: Counter[str] = Counter()
    pending: Iterator[Post] = iter(posts)  # shared: each poster takes the next
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=CALLBACK_TIMEOUT) as session:

        async def poster() -> None:
            for url, body, headers in pending:
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        answers[str(response.status)] += 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    answers[type(exc).__name__] += 1

        started, clock = time.time(), time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(concurrency)))
        return answers, started, time.perf_counter() - clock


async def burst(serve: str, database: str, run_id: int, count: int, concurrency: int) -> str:
    messages = await _messages(database, run_id)
    if not messages:
        raise SystemExit(f"run {run_id} has no messages")
    posts = [_callback(serve, *messages[i % len(messages)]) for i in range(count)]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    answers, started, seconds = await _post_all(posts, concurrency)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    return json.dumps(
        {
            "posted": len(posts),
            "answers": dict(answers),
            "started": started,
            "seconds": seconds,
            "cpu": cpu,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.twilio.burst")
    parser.add_argument("--serve", required=True, help="campaign serve's public base URL")
    parser.add_argument("--database", required=True, help="postgresql://… of the run")
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=300)
    args = parser.parse_args()
    print(asyncio.run(burst(args.serve, args.database, args.run_id, args.count, args.concurrency)))


if __name__ == "__main__":
    main()
