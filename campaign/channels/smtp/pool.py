"""A small pool of SMTP connections to one relay, shared by every send of a worker.

Opening a connection (TCP, STARTTLS, EHLO, AUTH) costs several round trips; a connection
per message also runs out of ephemeral ports near 470 a second here. So each worker keeps
up to ``size`` connections open and hands them out one transaction at a time.

A connection that failed is closed, never handed out again; one idle longer than
``idle_limit`` is closed before use, because servers drop idle clients (Postfix after 300 s,
many relays sooner) and a dropped connection is only noticed on the next command.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass

import aiosmtplib

from campaign.kernel.clock import Clock


@dataclass(frozen=True, slots=True)
class SmtpRelay:
    """Where mail goes and how to log in (``SMTP_*`` settings)."""

    host: str
    port: int
    tls: str = "starttls"  # starttls | tls | none
    username: str | None = None
    password: str | None = None
    tls_context: ssl.SSLContext | None = None  # None: the system's trusted authorities

    def __repr__(self) -> str:  # the password never reaches a log
        return f"SmtpRelay({self.host}:{self.port}, tls={self.tls}, user={self.username!r})"


class Connection:
    """One open SMTP session and when it was last used."""

    __slots__ = ("smtp", "last_used", "supports_utf8")

    def __init__(self, smtp: aiosmtplib.SMTP, now: float) -> None:
        self.smtp = smtp
        self.last_used = now
        self.supports_utf8 = smtp.supports_extension("smtputf8")


class SmtpPool:
    def __init__(
        self, relay: SmtpRelay, clock: Clock, *, size: int, timeout: float, idle_limit: float
    ) -> None:
        self._relay = relay
        self._clock = clock
        self._timeout = timeout
        self._idle_limit = idle_limit
        self.size = size
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Connection] = []
        self.opened = 0  # connections opened since start: for tests and the benchmark

    async def take(self) -> Connection:
        """A connection of this pool's, opened if none is idle; give it back with ``give``
        or ``discard``. Connection and login errors are aiosmtplib's, as they come."""
        await self._slots.acquire()
        try:
            now = self._clock.now().timestamp()
            while self._idle:
                connection = self._idle.pop()
                if connection.smtp.is_connected and now - connection.last_used < self._idle_limit:
                    return connection
                await _close(connection)
            return Connection(await self._open(), now)
        except BaseException:
            self._slots.release()
            raise

    def give(self, connection: Connection) -> None:
        """Back to the pool, ready for the next transaction."""
        connection.last_used = self._clock.now().timestamp()
        self._idle.append(connection)
        self._slots.release()

    async def discard(self, connection: Connection) -> None:
        """Close a connection whose state is not known any more."""
        self._slots.release()
        await _close(connection)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(_quit(c) for c in idle), return_exceptions=True)

    async def _open(self) -> aiosmtplib.SMTP:
        relay = self._relay
        smtp = aiosmtplib.SMTP(
            hostname=relay.host,
            port=relay.port,
            timeout=self._timeout,
            use_tls=relay.tls == "tls",
            # "starttls" insists on it: a relay that stops offering it must not get our
            # password and the people's mail in the clear.
            start_tls=True if relay.tls == "starttls" else False,
            tls_context=relay.tls_context,
            username=relay.username,
            password=relay.password,
        )
        await smtp.connect()
        if smtp.is_ehlo_or_helo_needed:  # what the relay offers (SMTPUTF8) is known from here
            await smtp.ehlo()
        self.opened += 1
        return smtp


async def _close(connection: Connection) -> None:
    with contextlib.suppress(Exception):
        connection.smtp.close()


async def _quit(connection: Connection) -> None:
    try:
        await asyncio.wait_for(connection.smtp.quit(), timeout=2)
    except Exception:
        await _close(connection)
