"""Opting out from a link in a message: the person stops getting messages on that channel.

The address goes on the suppression list as a keyed hash (so the opt-out survives erasure of
the contact, and covers everyone sharing that phone or mailbox, as a provider's STOP does),
and the contact is marked opted out on the channel. Doing it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.optout import mark_opted_out, suppress
from campaign.events.outbox import emit
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.store.engine import Database
from campaign.store.tables import messages


@dataclass(frozen=True, slots=True)
class OptOut:
    message_id: int
    channel: Channel
    language: str
    changed: bool  # False when the person had opted out already


class LinkOptOuts:
    """The opt-out behind the links in our messages (the stop link, one-click unsubscribe)."""

    def __init__(self, database: Database, clock: Clock, keys: AddressKeys) -> None:
        self._database = database
        self._clock = clock
        self._keys = keys

    async def opt_out(self, message_id: int, source: str) -> OptOut | None:
        """Opt out the address (and contact) a message went to; None for an unknown message."""
        return await opt_out_from_message(
            self._database, self._clock, self._keys, message_id, source
        )


async def opt_out_from_message(
    database: Database, clock: Clock, keys: AddressKeys, message_id: int, source: str
) -> OptOut | None:
    """Opt out the address (and contact) a message went to; None for an unknown message."""
    now = clock.now()
    async with database.transaction() as session:
        row = (
            await session.execute(
                select(
                    messages.c.channel,
                    messages.c.address,
                    messages.c.language,
                    messages.c.contact_id,
                ).where(messages.c.id == message_id)
            )
        ).first()
        if row is None:
            return None
        channel = Channel(row.channel)
        changed = False
        if row.address:
            changed = await suppress(session, keys, channel, row.address, source, now)
        if row.contact_id is not None:
            marked = await mark_opted_out(session, row.contact_id, channel, now)
            changed = changed or marked
        if changed:
            payload = {"contact_id": row.contact_id, "channel": row.channel, "source": source}
            await emit(session, "contact.opted_out", payload, now)
    return OptOut(message_id, channel, row.language, changed)
