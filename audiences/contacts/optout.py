"""Opting an address out: it goes on the suppression list (a keyed hash) and the contact is
marked opted out on the channel. Shared by every way a person stops: a link in a message, a STOP
reply, staff or a partner acting for the person. Doing it twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from audiences.contacts.addresses import AddressKeys
from campaign.events.outbox import emit
from campaign.kernel.channel import Channel
from campaign.store.results import affected
from campaign.store.tables import contacts, suppressions


async def suppress(
    session: AsyncSession,
    keys: AddressKeys,
    channel: Channel,
    address: str,
    reason: str,
    now: datetime,
) -> bool:
    """Put ``address`` on the suppression list of ``channel``; False if it was there already."""
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    added = await session.execute(
        insert_module.insert(suppressions)
        .values(
            channel=channel,
            address_key=keys.key(channel, address),
            reason=reason[:200],
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel", "address_key"])
    )
    return bool(affected(added))


async def suppress_many(
    session: AsyncSession,
    keys: AddressKeys,
    channel: Channel,
    reasons: dict[str, str],
    now: datetime,
) -> set[str]:
    """Put every address of ``reasons`` (address -> reason) on the suppression list of
    ``channel`` in one statement; return the addresses that were not on it yet."""
    if not reasons:
        return set()
    by_key = {keys.key(channel, address): address for address in reasons}
    dialect = session.get_bind().dialect.name
    insert_module = postgresql if dialect == "postgresql" else sqlite
    added = await session.execute(
        insert_module.insert(suppressions)
        .values(
            [
                {
                    "channel": channel,
                    "address_key": key,
                    "reason": reasons[address][:200],
                    "created_at": now,
                }
                for key, address in by_key.items()
            ]
        )
        .on_conflict_do_nothing(index_elements=["channel", "address_key"])
        .returning(suppressions.c.address_key)
    )
    return {by_key[key] for key in added.scalars()}


async def mark_opted_out(
    session: AsyncSession, contact_id: int, channel: Channel, now: datetime
) -> bool:
    """Mark the contact opted out on ``channel``; False if it was already."""
    column = f"opted_out_{channel}_at"
    marked = await session.execute(
        update(contacts)
        .where(contacts.c.id == contact_id, contacts.c[column].is_(None))
        .values({column: now, "updated_at": now})
    )
    return bool(affected(marked))


async def opt_out_contact(
    session: AsyncSession,
    keys: AddressKeys,
    contact_id: int,
    channel: Channel,
    source: str,
    now: datetime,
) -> bool:
    """Opt a contact out on ``channel`` (and suppress its address there); True if it changed."""
    address_column = contacts.c.phone if channel is Channel.SMS else contacts.c.email
    address = (
        await session.execute(select(address_column).where(contacts.c.id == contact_id))
    ).scalar_one_or_none()
    changed = False
    if address:
        changed = await suppress(session, keys, channel, address, source, now)
    changed = await mark_opted_out(session, contact_id, channel, now) or changed
    if changed:
        payload = {"contact_id": contact_id, "channel": channel.value, "source": source}
        await emit(session, "contact.opted_out", payload, now)
    return changed


async def opt_out_address(
    session: AsyncSession,
    keys: AddressKeys,
    channel: Channel,
    address: str,
    source: str,
    now: datetime,
) -> list[int]:
    """Suppress ``address`` on ``channel`` and opt out every contact holding it (a household
    shares one phone, and a STOP from it speaks for the phone); the contacts that changed."""
    key = keys.key(channel.value, address)
    key_column = contacts.c.phone_key if channel is Channel.SMS else contacts.c.email_key
    suppressed = await suppress(session, keys, channel, address, source, now)
    holders = await session.execute(
        select(contacts.c.id)
        .where(key_column == key, contacts.c.erased_at.is_(None))
        .order_by(contacts.c.id)
    )
    changed = [cid for cid in holders.scalars() if await mark_opted_out(session, cid, channel, now)]
    for contact_id in changed:
        payload = {"contact_id": contact_id, "channel": channel.value, "source": source}
        await emit(session, "contact.opted_out", payload, now)
    if suppressed and not changed:  # nobody holds it now: the suppression is still news
        payload = {"contact_id": None, "channel": channel.value, "source": source}
        await emit(session, "contact.opted_out", payload, now)
    return changed
