"""A reader who stops a CSV download halfway (a closed tab, ``| head``) is not a server error:
found in the operator trial of #14, where it logged a traceback as "unhandled error"."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from campaign.api.csv_answers import Table, stream_csv


async def _endless() -> Table:
    """A table that never ends: the server is always still writing when the reader leaves."""
    yield [["message_id", "state"]]
    number = 0
    while True:
        rows = [[str(number + n), "delivered"] for n in range(1000)]
        number += 1000
        yield rows


async def test_a_download_the_reader_abandons_is_logged_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    finished = asyncio.Event()

    async def download(request: web.Request) -> web.StreamResponse:
        try:
            return await stream_csv(request, _endless(), "messages.csv", ";")
        finally:
            finished.set()

    app = web.Application()
    app.router.add_get("/messages.csv", download)
    caplog.set_level(logging.INFO)
    # As `campaign serve` runs it (AppRunner's default): a handler is not cancelled when its
    # client leaves, so the next write is what finds out.
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /messages.csv HTTP/1.1\r\nHost: test\r\n\r\n")
        await writer.drain()
        assert b"200 OK" in await reader.read(4096)
        writer.transport.abort()  # the reader goes away without reading the rest
        await finished.wait()  # a handler that never notices fails on the test's timeout
    finally:
        await runner.cleanup()

    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert [r.levelno for r in gone] == [logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_head_answers_the_headers_without_the_file() -> None:
    async def download(request: web.Request) -> web.StreamResponse:
        return await stream_csv(request, _endless(), "messages.csv", ";")

    app = web.Application()
    app.router.add_get("/messages.csv", download)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        reader, writer = await asyncio.open_connection(host, port)
        # Two requests on one connection: the second is answered only if the first sent no body.
        writer.write(
            b"HEAD /messages.csv HTTP/1.1\r\nHost: test\r\n\r\n"
            b"HEAD /messages.csv HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        answer = await reader.read()
        writer.close()
    finally:
        await runner.cleanup()
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert b"message_id" not in answer
