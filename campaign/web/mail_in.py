"""The bounce receiver: an SMTP server (aiosmtpd) on the service's own event loop, the SMTP side
of the inbound boundary whose HTTP side is ``web.webhooks``.

Mail servers send bounces and feedback reports to our return path; the MX of
``CAMPAIGN_BOUNCE_DOMAIN`` points here (``campaign mail-in``, on ``CAMPAIGN_MAIL_IN_PORT``).
It takes mail only for that domain (never a relay for anyone), hands each one to ``sink``
with its envelope recipients, and answers 250 only once the sink has kept it. When the sink
fails (the database is away), it answers 451 and the sending server tries again later: a
bounce is never dropped on our side.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

MailSink = Callable[[bytes, Sequence[str]], Awaitable[object]]

_SIZE_LIMIT = 10 * 1024 * 1024  # a bounce quotes our mail; ours are small
_IDLE_TIMEOUT = 60.0


class _Handler:
    def __init__(self, sink: MailSink, domain: str | None) -> None:
        self._sink = sink
        self._domain = domain.lower() if domain else None

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self._domain and address.rpartition("@")[2].lower() != self._domain:
            return f"550 5.7.1 only mail for {self._domain} is taken here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        data = envelope.original_content or b""
        try:
            await self._sink(data, list(envelope.rcpt_tos))
        except Exception:
            log.exception("a bounce could not be kept; the sending server will try again")
            return "451 4.3.0 could not keep it now, try again later"
        return "250 2.0.0 kept"


async def start_receiver(
    sink: MailSink, host: str, port: int, *, domain: str | None
) -> asyncio.Server:
    """Listen on ``host:port``; close the returned server to stop."""
    handler = _Handler(sink, domain)

    def connection() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=_SIZE_LIMIT,
            enable_SMTPUTF8=True,
            timeout=_IDLE_TIMEOUT,
            hostname=domain or host,
        )

    server = await asyncio.get_running_loop().create_server(connection, host, port)
    log.info("receiving bounces by SMTP on %s:%s", host, port)
    return server
