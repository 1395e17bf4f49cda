"""A campaign's messages, one page at a time, in id order (keyset, never OFFSET), and the
delivery events of a page's messages, read in one query for the whole page."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from campaign.delivery.model import MessageRecord
from campaign.delivery.moves import Db
from campaign.delivery.reasons import reason_is
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.store.tables import delivery_events, messages

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


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """Which of a campaign's messages to list; an empty part lets every message through."""

    states: Collection[MessageState] = ()
    channel: Channel | None = None
    languages: Collection[str] = ()
    reason: str | None = None  # the reason's words, or its kind (campaign.delivery.reasons)

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.states:
            found.append(messages.c.state.in_(sorted(s.value for s in self.states)))
        if self.channel is not None:
            found.append(messages.c.channel == self.channel.value)
        if self.languages:
            found.append(messages.c.language.in_(sorted(self.languages)))
        if self.reason:
            found.append(reason_is(self.reason))
        return found


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    """One recorded move of a message: when, from and to which state, and why."""

    at: datetime
    from_state: MessageState | None
    to_state: MessageState
    provider_status: str | None
    code: str | None
    reason: str | None


async def message_page(
    db: Db,
    campaign_id: int,
    *,
    which: MessageFilter | None = None,
    after_id: int = 0,
    limit: int,
) -> list[MessageRecord]:
    """Up to ``limit`` of the campaign's messages ``which`` lets through (all when None),
    with an id above ``after_id``."""
    conditions = which.conditions() if which is not None else []
    query = (
        select(*_COLUMNS)
        .where(messages.c.campaign_id == campaign_id, messages.c.id > after_id, *conditions)
        .order_by(messages.c.id)
        .limit(limit)
    )
    rows = await db.execute(query)
    return [_record(r) for r in rows]


def _record(r: Any) -> MessageRecord:
    return MessageRecord(
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


async def events_of(db: Db, message_ids: Sequence[int]) -> dict[int, list[DeliveryEvent]]:
    """The delivery events of each listed message, oldest first; one query for them all (a
    page's ids: at most the API's page size, well under either database's parameter limit)."""
    found: dict[int, list[DeliveryEvent]] = {i: [] for i in message_ids}
    if not message_ids:
        return found
    rows = await db.execute(
        select(delivery_events)
        .where(delivery_events.c.message_id.in_(sorted(set(message_ids))))
        .order_by(delivery_events.c.message_id, delivery_events.c.at, delivery_events.c.id)
    )
    for r in rows.mappings():
        found[int(r["message_id"])].append(
            DeliveryEvent(
                at=r["at"],
                from_state=MessageState(r["from_state"]) if r["from_state"] else None,
                to_state=MessageState(r["to_state"]),
                provider_status=r["provider_status"],
                code=r["code"],
                reason=r["reason"],
            )
        )
    return found
