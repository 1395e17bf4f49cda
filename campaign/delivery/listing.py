"""A campaign's messages, one page at a time, in id order (keyset, never OFFSET)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from campaign.delivery.model import MessageRecord
from campaign.delivery.moves import Db
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.store.tables import messages

_COLUMNS = (
    messages.c.id,
    messages.c.contact_id,
    messages.c.channel,
    messages.c.address,
    messages.c.language,
    messages.c.state,
    messages.c.attempts,
    messages.c.reason,
    messages.c.error_code,
    messages.c.provider_id,
    messages.c.sent_at,
    messages.c.final_at,
    messages.c.settled_at,
    messages.c.settled_by,
    messages.c.segments,
    messages.c.cost,
    messages.c.updated_at,
)


async def message_page(
    db: Db,
    campaign_id: int,
    *,
    states: Collection[MessageState] = (),
    channel: Channel | None = None,
    after_id: int = 0,
    limit: int,
) -> list[MessageRecord]:
    """Up to ``limit`` of the campaign's messages with an id above ``after_id``, in ``states``
    (any when empty) and on ``channel`` (any when None)."""
    query = (
        select(*_COLUMNS)
        .where(messages.c.campaign_id == campaign_id, messages.c.id > after_id)
        .order_by(messages.c.id)
        .limit(limit)
    )
    if states:
        query = query.where(messages.c.state.in_(sorted(s.value for s in states)))
    if channel is not None:
        query = query.where(messages.c.channel == channel.value)
    rows = await db.execute(query)
    return [
        MessageRecord(
            id=int(r.id),
            contact_id=r.contact_id,
            channel=Channel(r.channel),
            address=r.address,
            language=r.language,
            state=MessageState(r.state),
            attempts=int(r.attempts),
            reason=r.reason,
            error_code=r.error_code,
            provider_id=r.provider_id,
            sent_at=r.sent_at,
            final_at=r.final_at,
            settled_at=r.settled_at,
            settled_by=r.settled_by,
            segments=r.segments,
            cost=r.cost,
            updated_at=r.updated_at,
        )
        for r in rows
    ]
