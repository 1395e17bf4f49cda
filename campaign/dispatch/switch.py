"""The stop switch: one row that, while it says stopped, keeps every worker from handing
anything to a provider. Read in the last-moment transaction, so it holds within one batch."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.store.tables import dispatch_switch

SWITCH_ROW = 1


async def sending_stopped(session: AsyncSession) -> bool:
    """Whether an admin has stopped all sending (no row: never stopped)."""
    stopped = await session.scalar(
        select(dispatch_switch.c.stopped).where(dispatch_switch.c.id == SWITCH_ROW)
    )
    return bool(stopped)
