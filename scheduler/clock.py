"""The clock: APScheduler wakes campaign services up; the database says what is due.

Jobs live in an in-memory store and are rebuilt from the database at start and every
``reconcile_seconds``; a sweep every second starts whatever is due, so nothing depends on
APScheduler's misfire handling (``misfire_grace_time=None`` and ``coalesce=True`` anyway).
Every job carries an id and is idempotent: running one twice, or on two machines, is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.leader import Leadership

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClockWork:
    """What the clock wakes up; each callable is idempotent."""

    start_due: Callable[[], Awaitable[object]]
    complete_finished: Callable[[], Awaitable[object]]
    housekeeping: Callable[[], Awaitable[object]]
    scheduled_starts: Callable[[], Awaitable[list[tuple[int, datetime]]]]


class CampaignClock:
    def __init__(
        self,
        work: ClockWork,
        leadership: Leadership,
        *,
        sweep_seconds: float = 1.0,
        housekeeping_seconds: float = 30.0,
        reconcile_seconds: float = 30.0,
    ) -> None:
        self._work = work
        self._leadership = leadership
        self._sweep_seconds = sweep_seconds
        self._housekeeping_seconds = housekeeping_seconds
        self._reconcile_seconds = reconcile_seconds
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        self._leading: bool | None = None  # unknown until asked: the first answer is logged

    async def start(self) -> None:
        self._scheduler.add_job(
            self._guarded(self._sweep), "interval", id="sweep", seconds=self._sweep_seconds
        )
        self._scheduler.add_job(
            self._guarded(self._work.housekeeping),
            "interval",
            id="housekeeping",
            seconds=self._housekeeping_seconds,
        )
        self._scheduler.add_job(
            self._guarded(self.reconcile),
            "interval",
            id="reconcile",
            seconds=self._reconcile_seconds,
        )
        self._scheduler.start()
        await self.reconcile()

    async def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        await self._leadership.release()

    async def reconcile(self) -> None:
        """Rebuild one date job per scheduled campaign from the database."""
        if not await self._lead():
            return
        wanted = {f"campaign-start:{cid}": at for cid, at in await self._work.scheduled_starts()}
        for job in self._scheduler.get_jobs():
            if job.id.startswith("campaign-start:") and job.id not in wanted:
                job.remove()
        for job_id, at in wanted.items():
            self._scheduler.add_job(
                self._guarded(self._work.start_due),
                "date",
                id=job_id,
                run_date=at,
                replace_existing=True,
            )

    async def _sweep(self) -> None:
        await self._work.start_due()
        await self._work.complete_finished()

    async def _lead(self) -> bool:
        leading = await self._leadership.acquire()
        if leading != self._leading:
            log.info("scheduler %s", "leads" if leading else "stands by")
            self._leading = leading
        return leading

    def _guarded(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if not await self._lead():
                return
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled job failed; it will run again")

        return run
