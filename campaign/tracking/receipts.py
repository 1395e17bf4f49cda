"""Applying a provider's delivery report to its message, by our own message id.

Reports are ranked (``campaign.delivery.states``): a late or duplicated report never moves a
message backwards, and a receipt that overtakes the worker's record of the send still lands, because
it is found by primary key and ``sending`` may move straight to ``delivered``.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.channels import DeliveryReport
from campaign.delivery.moves import move_many
from campaign.delivery.states import FINAL_STATES, states_a_report_moves
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import messages

log = logging.getLogger(__name__)


class ReceiptRecorder:
    """The one tracking path for every provider's reports (webhooks and sandbox alike)."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def record(self, report: DeliveryReport) -> bool:
        """Apply ``report``; return whether it changed the message."""
        now = self._clock.now()
        values: dict[str, object] = {
            "provider_status": report.provider_status,
            "error_code": report.code,
            "reason": report.reason,
        }
        if report.state in FINAL_STATES:
            values["final_at"] = now
        async with self._database.transaction() as session:
            moved = await move_many(
                session,
                [report.message_id],
                states_a_report_moves(report.state),
                report.state,
                now,
                reason=report.reason,
                provider_status=report.provider_status,
                code=report.code,
                values=values,
            )
            if moved and report.provider_id:
                await _remember_provider_id(session, report)
        if not moved:
            log.debug("report %s for message %s changed nothing", report.state, report.message_id)
        return bool(moved)


async def _remember_provider_id(session: AsyncSession, report: DeliveryReport) -> None:
    await session.execute(
        update(messages)
        .where(messages.c.id == report.message_id, messages.c.provider_id.is_(None))
        .values(provider_id=report.provider_id)
    )
