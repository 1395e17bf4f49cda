"""Applying providers' delivery reports to their messages, by our own message id, in batches.

Reports are ranked (``campaign.delivery.states``): a late or duplicated report never moves a
message backwards, and a receipt that overtakes the worker's record of the send still lands,
because it is found by primary key and ``sending`` may move straight to ``delivered``.

Reports arriving together are written together: whatever comes in while one batch is being
committed goes in the next transaction (group commit), and each caller returns only once its
report is committed, so a webhook answers only what is safely kept. A batch that fails fails
each of its callers, who try again (a provider repeats an unanswered callback).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.campaigns.fallback import queue_fallbacks
from campaign.channels import DeliveryReport
from campaign.delivery.moves import Move, lock_messages, move_each
from campaign.delivery.states import FINAL_STATES, MessageState, report_applies
from campaign.kernel.clock import Clock
from campaign.kernel.group_commit import GroupCommit
from campaign.store.engine import Database
from campaign.store.tables import messages

log = logging.getLogger(__name__)

_BATCH = 1000


class ReceiptRecorder:
    """The one tracking path for every provider's reports (webhooks and sandbox alike)."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._batches = GroupCommit(self.record_many, batch=_BATCH)

    async def record(self, report: DeliveryReport) -> bool:
        """Apply ``report`` (with others arriving now); return whether it changed the message."""
        return await self._batches.submit(report)

    async def record_many(self, reports: Sequence[DeliveryReport]) -> list[bool]:
        """Apply ``reports`` in one transaction, in the order given; say which changed."""
        async with self._database.transaction() as session:
            changed = await apply_reports(session, reports, self._clock.now())
        for report, took in zip(reports, changed, strict=True):
            if not took:
                log.debug(
                    "report %s for message %s changed nothing", report.state, report.message_id
                )
        return changed


async def apply_reports(
    session: AsyncSession, reports: Sequence[DeliveryReport], now: datetime
) -> list[bool]:
    """Apply ``reports`` in ``session``, in the order given; say which changed a message."""
    changed = [False] * len(reports)
    await lock_messages(session, [r.message_id for r in reports])
    current = await _states(session, {r.message_id for r in reports})
    # Two reports for one message in a batch (sent, then delivered) go in turn.
    for round_ in _rounds(reports):
        moves, applied_at = [], []
        for index in round_:
            report = reports[index]
            state = current.get(report.message_id)
            if state is None or not report_applies(state, report.state):
                continue
            moves.append(_move(report, state))
            applied_at.append(index)
        final = [now if reports[i].state in FINAL_STATES else None for i in applied_at]
        moved = await move_each(session, moves, now, final_at=final)
        await queue_fallbacks(session, moved, now)
        landed = {m.message_id for m in moved}
        for index in applied_at:
            report = reports[index]
            if report.message_id in landed:
                changed[index] = True
                current[report.message_id] = report.state
        # The worker writes the provider's id with `sent`; a report that overtook it (from
        # `sending` or `unknown`) brings the id itself.
        early = (MessageState.SENDING, MessageState.UNKNOWN)
        await _remember_provider_ids(
            session,
            [
                (reports[i], now)
                for i, m in zip(applied_at, moves, strict=True)
                if changed[i] and m.from_state in early
            ],
        )
    return changed


def _move(report: DeliveryReport, current: MessageState) -> Move:
    return Move(
        report.message_id,
        current,
        report.state,
        provider_status=report.provider_status,
        code=report.code,
        reason=report.reason,
    )


def _rounds(reports: Sequence[DeliveryReport]) -> list[list[int]]:
    """Indexes of ``reports`` in rounds in which each message appears at most once."""
    rounds: list[list[int]] = []
    seen: dict[int, int] = {}
    for index, report in enumerate(reports):
        n = seen.get(report.message_id, 0)
        seen[report.message_id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(index)
    return rounds


async def _states(session: AsyncSession, ids: set[int]) -> dict[int, MessageState]:
    rows = await session.execute(
        select(messages.c.id, messages.c.state).where(messages.c.id.in_(ids))
    )
    return {int(i): MessageState(state) for i, state in rows}


async def _remember_provider_ids(
    session: AsyncSession, reports: list[tuple[DeliveryReport, datetime]]
) -> None:
    """The provider's id, and the receipt's time as the time of sending until the worker's
    record brings the hand-over's (earlier) one: a worker that timed out, or was killed, after
    the provider took the message never brings it, and the weekly cap, the expiry of SMS
    without a final receipt and the person's export all count on a time of sending."""
    if not reports:
        return
    await session.execute(
        update(messages)
        .where(messages.c.id == bindparam("m_id"))
        .values(
            provider_id=func.coalesce(messages.c.provider_id, bindparam("m_provider_id")),
            sent_at=func.coalesce(messages.c.sent_at, bindparam("m_sent_at")),
        ),
        [
            {"m_id": r.message_id, "m_provider_id": r.provider_id, "m_sent_at": at}
            for r, at in reports
        ],
    )
