"""Leader election, as the clock sees it: one active scheduler; the others stand by.

The clock depends only on this protocol. The PostgreSQL implementation (an advisory lock on a
dedicated connection) lives with the rest of the SQL in ``campaign.store.leader``; the
composition root picks one.
"""

from __future__ import annotations

from typing import Protocol


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Try to become (or stay) leader; return whether we lead now."""
        ...

    async def release(self) -> None: ...


class AlwaysLeader:
    """SQLite and tests: there is nobody to compete with."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None
