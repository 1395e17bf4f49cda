"""Group commit: many callers, one write each time.

Each caller hands in one item and waits for its own result. Whatever arrives while a batch is
being written goes in the next one, so callers arriving together share one transaction (a
webhook answers only once its item is committed). A batch whose write fails fails each of its
callers, who may try again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Writes items in batches of at most ``batch`` with ``write`` (one result per item, in
    order); ``after`` runs after each batch that was written."""

    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
        *,
        batch: int,
        after: Callable[[], None] | None = None,
    ) -> None:
        self._write = write
        self._batch = batch
        self._after = after
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Return ``item``'s result once its batch is written."""
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        return await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            await asyncio.sleep(0)  # let items arriving now join this batch
            batch, self._waiting = self._waiting[: self._batch], self._waiting[self._batch :]
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)
            if self._after is not None:
                self._after()

    async def drain(self) -> None:
        """Wait until what was handed in so far is written."""
        if self._writer is not None and not self._writer.done():
            await asyncio.gather(self._writer, return_exceptions=True)
