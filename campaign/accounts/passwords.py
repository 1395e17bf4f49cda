"""Hashing people's passwords and checking them, off the event loop.

A hash costs 128 MiB and about half a second of one core (``campaign.kernel.security``,
decision 0034), so it runs on a pool of two threads of its own: the loop keeps answering
meanwhile (``hashlib.scrypt`` lets go of the GIL), and however many checks arrive at once,
hashing never holds more than 256 MiB. A stored hash made with less work than today's is
replaced by a new one the first time its password is checked.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import update

from campaign.accounts import repository
from campaign.kernel.security import hash_password, password_hash_outdated, verify_password
from campaign.store.engine import Database
from campaign.store.results import affected
from campaign.store.tables import users

log = logging.getLogger(__name__)

T = TypeVar("T")
_AT_ONCE = 2


class Passwords:
    """Hashes for new passwords, and checks of a user's password against the stored one."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._hashers = ThreadPoolExecutor(_AT_ONCE, thread_name_prefix="password-hash")

    async def hash(self, password: str) -> str:
        """A hash of ``password`` for storage."""
        return await self._off_loop(hash_password, password)

    async def check(self, email: str, password: str) -> int | None:
        """The id of the user with this email when ``password`` is theirs, else None.

        An unknown email costs a hash too, so the time taken does not tell which emails have
        an account."""
        async with self._database.read_session() as session:
            user = await repository.user(session, email.strip().lower())
        stored = str(user.password_hash) if user is not None else await self._nobody()
        matches = await self._off_loop(verify_password, password, stored)
        if user is None or not matches:
            return None
        if password_hash_outdated(stored):
            await self._rehash(int(user.id), stored, password)
        return int(user.id)

    async def _rehash(self, user_id: int, stored: str, password: str) -> None:
        fresh = await self.hash(password)
        async with self._database.transaction() as session:
            # Only over the hash just checked: a password changed meanwhile stays changed.
            changed = await session.execute(
                update(users)
                .where(users.c.id == user_id, users.c.password_hash == stored)
                .values(password_hash=fresh)
            )
        if affected(changed):
            log.info("user %s: password hash brought up to today's work factor", user_id)

    async def _nobody(self) -> str:
        return await self._off_loop(_nobody_hash)

    async def _off_loop(self, work: Callable[..., T], *args: str) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._hashers, work, *args)


@functools.cache
def _nobody_hash() -> str:
    """A hash of no one's password, made once, for checks of an email that has no account."""
    return hash_password("no one's password")
