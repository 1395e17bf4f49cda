"""CPU-heavy work off the event loop, each job with a time limit (decision 0032).

The API, the webhooks, the worker and the scheduler share one event loop: a request that spends
seconds of CPU on it stops all of them, ``/healthz`` included. Previews, checks of texts and
templates, a campaign's checks and the reading of contact files run in a ``Workshop`` instead:
a few worker threads (``limits.WORK_THREADS``); further jobs wait for a free one without
holding the loop. The threads share the interpreter lock with the loop, so the lock changes
hands every ``limits.SWITCH_INTERVAL`` (a process-wide setting; Python's default, 5 ms, made
the loop wait up to a quarter of a second behind two busy threads).

A thread cannot be stopped from outside, so the time limit works from both sides. The caller
gets ``TookTooLong`` (a 422 naming the input) when the limit passes. The job sees its deadline
through ``check_deadline`` where it loops (every few rendering steps, every recipient) and stops
itself there. Work that does not look (one plain-language check) is bounded by the limits on
its input; its thread stays taken until it ends, so abandoned jobs cannot pile up.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from campaign.kernel import limits
from campaign.kernel.errors import InvalidInput

T = TypeVar("T")

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "work_deadline", default=None
)


class TookTooLong(InvalidInput):
    """A job ran past its time limit: the input asks for more work than one request gets."""


def past_deadline() -> bool:
    """Whether the job running here (if any) is past its time limit."""
    deadline = _DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


def check_deadline(what: str, where: str | None = None) -> None:
    """Stop the job running here if its time is up (a no-op outside a job)."""
    if past_deadline():
        raise TookTooLong(f"{what} took longer than its time limit", where=where)


class Workshop:
    """Runs synchronous, CPU-heavy jobs in worker threads; the event loop only waits."""

    def __init__(
        self, *, threads: int = limits.WORK_THREADS, time_limit: float = limits.WORK_TIME_LIMIT
    ) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="work")
        sys.setswitchinterval(limits.SWITCH_INTERVAL)
        self.time_limit = time_limit
        # Jobs handed over, by what they are: what a test or the bench reads to know the work
        # went here (or, for a refused input, never started).
        self.started: Counter[str] = Counter()
        self.running = 0

    async def run(
        self,
        job: Callable[..., T],
        *args: Any,
        what: str,
        where: str | None = None,
        limit: float | None = None,
    ) -> T:
        """``job(*args)`` in a worker thread; ``TookTooLong`` once it has run ``limit`` seconds.

        ``what`` names the work in the error ("filling in the template"), ``where`` the input
        to blame. The limit counts from when a thread takes the job, not while it waits.
        """
        seconds = self.time_limit if limit is None else limit
        loop = asyncio.get_running_loop()
        started: asyncio.Future[None] = loop.create_future()

        def in_thread() -> T:
            loop.call_soon_threadsafe(_settle, started)
            _DEADLINE.set(time.monotonic() + seconds)
            return job(*args)

        self.started[what] += 1
        context = contextvars.copy_context()
        future = loop.run_in_executor(self._pool, functools.partial(context.run, in_thread))
        self.running += 1
        future.add_done_callback(self._finished)
        try:
            await asyncio.shield(started)
            return await asyncio.wait_for(asyncio.shield(future), seconds)
        except TimeoutError:
            raise TookTooLong(
                f"{what} took longer than {seconds:g} s: make the input smaller or simpler",
                where=where,
            ) from None
        except asyncio.CancelledError:
            future.cancel()  # a job still waiting for a thread is dropped; a running one ends
            raise

    def _finished(self, future: asyncio.Future[Any]) -> None:
        self.running -= 1
        if not future.cancelled():
            future.exception()  # read, so a job its caller stopped waiting for is not "lost"

    def close(self) -> None:
        """Drop the jobs still waiting; running ones end on their own (nothing waits for them)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def off_loop(
    work: Workshop | None,
    job: Callable[..., T],
    *args: Any,
    what: str,
    where: str | None = None,
    limit: float | None = None,
) -> T:
    """``job(*args)`` in ``work``; without a workshop (a test, a script), here and now."""
    if work is None:
        return job(*args)
    return await work.run(job, *args, what=what, where=where, limit=limit)
