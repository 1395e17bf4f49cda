"""The scheduler's leader election on PostgreSQL: a session-level advisory lock.

The leader holds the lock on a dedicated connection outside the pool, with TCP keepalives, and
checks it every few seconds: a dropped connection releases the lock on the server, and the
holder notices and stands down. The clock's jobs call ``acquire`` concurrently (two interval
jobs may be due at the same second), and an asyncpg connection runs one operation at a time,
so every use of the connection is serialised by a lock. (``scheduler.leader`` holds the
protocol and the SQLite stand-in.)
"""

from __future__ import annotations

import asyncio
import logging
import socket

import asyncpg

log = logging.getLogger(__name__)

# An arbitrary constant: "campaign scheduler" as a 63-bit lock key.
SCHEDULER_LOCK_KEY = 0x63616D7061696E


class PostgresAdvisoryLeader:
    def __init__(self, dsn: str, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._dsn = dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._key = key
        self._connection: asyncpg.Connection | None = None
        self._leading = False
        self._using = asyncio.Lock()

    async def acquire(self) -> bool:
        async with self._using:
            return await self._acquire()

    async def _acquire(self) -> bool:
        try:
            if self._connection is None or self._connection.is_closed():
                self._leading = False
                self._connection = await asyncpg.connect(self._dsn, timeout=10)
                _keepalive(self._connection)
            if self._leading:
                await self._connection.fetchval("SELECT 1", timeout=5)
                return True
            self._leading = bool(
                await self._connection.fetchval(
                    "SELECT pg_try_advisory_lock($1)", self._key, timeout=5
                )
            )
            if self._leading:
                log.info("this scheduler is now the leader")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            if self._leading:
                log.warning("lost the scheduler lock's connection: standing down (%s)", exc)
            self._leading = False
            await self._drop()
        return self._leading

    async def release(self) -> None:
        async with self._using:
            await self._release()

    async def _release(self) -> None:
        if self._connection is not None and not self._connection.is_closed() and self._leading:
            try:
                await self._connection.fetchval("SELECT pg_advisory_unlock($1)", self._key)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
        self._leading = False
        await self._drop()

    async def _drop(self) -> None:
        if self._connection is not None:
            self._connection.terminate()
        self._connection = None


def _keepalive(connection: asyncpg.Connection) -> None:
    transport = connection._transport  # asyncpg exposes no keepalive option
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, option):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
