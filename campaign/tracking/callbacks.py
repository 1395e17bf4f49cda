"""Providers' status callbacks: kept as they came before they are answered, then applied.

Twilio never repeats a callback that got a 2xx, so a callback is answered only once it is
committed (``keep``; callbacks arriving together share one commit). Applying comes after, in
batches, in this process and by the scheduler's sweep for what a stopped process left
(``apply_pending``): each kept callback is read once into a delivery report and applied as
receipts are (ranked: a late ``sent`` never undoes ``delivered``; a duplicate changes nothing;
a callback proving that an ``unknown`` message was accepted settles it). A callback for a
message we do not know stays, with that outcome, for staff to reconcile.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.channels import DeliveryReport, StatusCallback
from campaign.kernel.clock import Clock
from campaign.kernel.group_commit import GroupCommit
from campaign.store.engine import Database
from campaign.store.tables import messages, provider_callbacks
from campaign.tracking.receipts import apply_reports

log = logging.getLogger(__name__)

_KEEP_BATCH = 2000
_APPLY_BATCH = 2000

APPLIED = "applied"
NO_CHANGE = "no change"
UNKNOWN_MESSAGE = "unknown message"
UNKNOWN_STATUS = "unknown status"

Interpret = Callable[[StatusCallback], DeliveryReport | None]
_Kept = tuple[int, StatusCallback]  # a kept callback and its row's id


class CallbackInbox:
    """Where every provider's status callbacks go: kept, then applied."""

    def __init__(self, database: Database, clock: Clock, interpret: Interpret) -> None:
        self._database = database
        self._clock = clock
        self._interpret = interpret
        self._kept = GroupCommit(self._insert, batch=_KEEP_BATCH, after=self._apply_soon)
        self._applier: asyncio.Task[None] | None = None
        self._kept_since_applied = False

    async def keep(self, callback: StatusCallback) -> None:
        """Return once ``callback`` is committed (with others arriving now); apply it soon."""
        await self._kept.submit(callback)

    async def _insert(self, callbacks: Sequence[StatusCallback]) -> list[None]:
        now = self._clock.now()
        async with self._database.transaction() as session:
            await session.execute(
                insert(provider_callbacks),
                [
                    {
                        "provider": c.provider,
                        "received_at": now,
                        "message_id": c.message_id,
                        "provider_id": c.provider_id,
                        "status": c.status,
                        "error_code": c.error_code,
                        "payload": json.dumps(dict(c.form), ensure_ascii=False),
                    }
                    for c in callbacks
                ],
            )
        return [None] * len(callbacks)

    def _apply_soon(self) -> None:
        self._kept_since_applied = True  # what an applier running now may already have missed
        if self._applier is None or self._applier.done():
            self._applier = asyncio.create_task(self._apply_all())

    async def _apply_all(self) -> None:
        try:
            while self._kept_since_applied:
                self._kept_since_applied = False
                while await self.apply_pending() == _APPLY_BATCH:
                    pass
        except Exception:  # kept, so nothing is lost: the scheduler's sweep applies it later
            log.exception("applying status callbacks failed; the sweep will try again")

    async def apply_pending(self, *, older_than: timedelta | None = None) -> int:
        """Apply one batch of kept callbacks not yet applied, oldest first (with
        ``older_than``, only those kept that long ago: another process may be on the
        newer ones); return how many were taken."""
        now = self._clock.now()
        async with self._database.transaction() as session:
            rows = await _unapplied(session, now - older_than if older_than else None)
            if not rows:
                return 0
            outcomes = await self._apply(session, rows, now)
            by_outcome: dict[str, list[int]] = {}
            for row_id, outcome in outcomes.items():
                by_outcome.setdefault(outcome, []).append(row_id)
            for outcome, ids in by_outcome.items():  # one statement per outcome, not per row
                await session.execute(
                    update(provider_callbacks)
                    .where(provider_callbacks.c.id.in_(ids))
                    .values(applied_at=now, outcome=outcome)
                )
        return len(rows)

    async def _apply(
        self, session: AsyncSession, rows: Sequence[_Kept], now: datetime
    ) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        reports: list[tuple[int, DeliveryReport]] = []
        for row_id, callback in rows:
            report = self._interpret(callback)
            if report is None:
                outcomes[row_id] = (
                    UNKNOWN_MESSAGE if callback.message_id is None else UNKNOWN_STATUS
                )
            else:
                reports.append((row_id, report))
        known = await _known(session, {r.message_id for _, r in reports})
        for row_id, report in reports:
            if report.message_id not in known:
                outcomes[row_id] = UNKNOWN_MESSAGE
        applicable = [(i, r) for i, r in reports if r.message_id in known]
        changed = await apply_reports(session, [r for _, r in applicable], now)
        for (row_id, _), took in zip(applicable, changed, strict=True):
            outcomes[row_id] = APPLIED if took else NO_CHANGE
        return outcomes

    async def unmatched(self) -> int:
        """How many callbacks named no message we know: for staff to reconcile."""
        async with self._database.transaction() as session:
            count = await session.scalar(
                select(func.count()).where(provider_callbacks.c.outcome == UNKNOWN_MESSAGE)
            )
        return int(count or 0)

    async def forget_older_than(self, before: datetime) -> int:
        """Drop applied callbacks kept before ``before`` (the retention period); those that
        matched no message stay until staff have seen them."""
        async with self._database.transaction() as session:
            result = await session.execute(
                delete(provider_callbacks).where(
                    provider_callbacks.c.applied_at < before,
                    provider_callbacks.c.outcome != UNKNOWN_MESSAGE,
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def drain(self) -> None:
        """Wait until what is being kept now is kept and applied."""
        await self._kept.drain()
        if self._applier is not None and not self._applier.done():
            await asyncio.gather(self._applier, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()


async def _unapplied(session: AsyncSession, kept_before: datetime | None) -> list[_Kept]:
    query = (
        select(provider_callbacks)
        .where(provider_callbacks.c.applied_at.is_(None))
        .order_by(provider_callbacks.c.id)
        .limit(_APPLY_BATCH)
    )
    if kept_before is not None:
        query = query.where(provider_callbacks.c.received_at <= kept_before)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two processes take different ones
    rows = (await session.execute(query)).all()
    return [
        (
            int(row.id),
            StatusCallback(
                provider=row.provider,
                message_id=row.message_id,
                provider_id=row.provider_id,
                status=row.status,
                error_code=row.error_code,
                form=json.loads(row.payload),
            ),
        )
        for row in rows
    ]


async def _known(session: AsyncSession, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(select(messages.c.id).where(messages.c.id.in_(ids)))
    return {int(i) for (i,) in rows}
