"""Answering with a CSV file for a spreadsheet, streamed page by page as a service reads it.

The rows come from the service already safe for a spreadsheet (``safe_cell``); here they are
only written: UTF-8 with a byte order mark, so Excel reads Liège and Zoë, CR LF line ends, and
the delimiter asked for (semicolon by default: Belgian Excel reads semicolons).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

from aiohttp import web

from audiences.importing.spreadsheet import DELIMITERS, csv_lines
from campaign.kernel.errors import InvalidInput

log = logging.getLogger(__name__)

Table = AsyncGenerator[list[list[str]], None]


def delimiter_of(request: web.Request) -> str:
    """The ``delimiter`` query parameter as the character itself."""
    name = request.query.get("delimiter", "semicolon")
    if name not in DELIMITERS:
        raise InvalidInput("delimiter must be semicolon or comma", where="delimiter")
    return DELIMITERS[name]


async def stream_csv(
    request: web.Request, table: Table, filename: str, delimiter: str
) -> web.StreamResponse:
    """Stream ``table`` (the header in its first page) as ``filename``.

    The first page is read before the answer starts, so a refusal (a campaign not found, a
    role that may not read it) is still a problem answer, not a broken 200."""
    try:
        first = await anext(table)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{filename}"',
            }
        )
        await response.prepare(request)
        if request.method == "HEAD":  # the headers only: a body would break the connection
            await response.write_eof()
            return response
        try:
            await response.write("\ufeff".encode() + csv_lines(first, delimiter))
            async for rows in table:
                await response.write(csv_lines(rows, delimiter))
        except ConnectionError:  # lost while waiting to write, or reset
            # The reader stopped (a closed browser tab, `| head`): not our fault, no traceback.
            log.info("%s: the client went away before the end of %s", request.path, filename)
            return response
    finally:
        await table.aclose()
    await response.write_eof()
    return response
