"""HTTP requests as bytes, for what no client library sends: bytes that are not UTF-8 in a
header or the path, a length declared and never sent."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient


async def raw_exchange(
    client: TestClient[web.Request, web.Application], request: bytes
) -> tuple[int, bytes]:
    """Send ``request`` (its request line and headers; ``Host`` and ``Connection: close`` are
    added) and read the answer's head and body, by its Content-Length: the server may linger
    over a body it never read before closing, and nothing here waits for that."""
    host, port = client.server.host, client.server.port
    assert host is not None and port is not None
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head, _, rest = request.partition(b"\r\n\r\n")
        writer.write(head + b"\r\nHost: test\r\nConnection: close\r\n\r\n" + rest)
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=60)
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in answer.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        answer += await asyncio.wait_for(reader.readexactly(length), timeout=60)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]), answer
