"""Households: the addresses that more than one contact holds, kept in ``shared_addresses``.

A preview only needs to look for duplicates among contacts whose phone or email is shared; for
everyone else the answer is known without comparing them with anybody. So the marked set must
hold every address that two contacts not erased have in common, and may hold more: an entry
that no longer applies (after an erasure) only sends its holders the slow, exact way.

It therefore grows when a contact gains an address, which only an import does
(``record_shared_addresses`` after each chunk), and never has to shrink: erasure and opt-out
take addresses away or leave them. ``rebuild_shared_addresses`` recomputes it from the contacts,
for loads that bypass the importer and as a repair (docs/decisions/0014-shared-addresses.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.kernel.channel import Channel
from campaign.store.tables import contacts, shared_addresses
from campaign.store.value_lists import among

# Any constant will do: the same for every process that records households.
_HOUSEHOLD_LOCK = 0x6361_6D70_686F_6D65


def _key_column(channel: Channel) -> Column[Any]:
    return contacts.c.phone_key if channel is Channel.SMS else contacts.c.email_key


def in_a_household() -> ColumnElement[bool]:
    """The contact's phone or email key is marked as shared (never NULL, so NOT works)."""
    return or_(
        *(
            and_(
                _key_column(channel).is_not(None),
                _key_column(channel).in_(
                    select(shared_addresses.c.address_key).where(
                        shared_addresses.c.channel == channel.value
                    )
                ),
            )
            for channel in Channel
        )
    )


async def record_shared_addresses(
    session: AsyncSession, written: Iterable[Mapping[str, Any]]
) -> None:
    """Mark the phone and email keys of ``written`` (contact values just stored) that are shared.

    Call it in the transaction that wrote them. One statement per channel, over the keys'
    index: the cost grows with the rows written, not with the contacts stored.
    """
    rows = list(written)
    keys = {
        channel: sorted({row[column] for row in rows if row.get(column)})
        for channel, column in ((Channel.SMS, "phone_key"), (Channel.EMAIL, "email_key"))
    }
    if not any(keys.values()):
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # Two imports giving one address to two people at once must not each count one holder
        # (neither sees the other's uncommitted row): the second to get here waits for the first
        # to commit, and its count, a new statement, sees that row. SQLite's BEGIN IMMEDIATE
        # already lets one writer in at a time.
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_HOUSEHOLD_LOCK})"))
    insert_module = postgresql if dialect == "postgresql" else sqlite
    for channel, channel_keys in keys.items():
        if not channel_keys:
            continue
        if dialect == "postgresql":
            source = _probed(channel, channel_keys)
        else:  # SQLite probes the key index once per value of the list
            source = _shared(channel).where(among(_key_column(channel), channel_keys))
        await session.execute(
            insert_module.insert(shared_addresses)
            .from_select(["channel", "address_key"], source)
            .on_conflict_do_nothing(index_elements=["channel", "address_key"])
        )


def _probed(channel: Channel, keys: list[str]) -> Select[Any]:
    """(channel, key) for each of ``keys`` held twice or more: two index probes at most each.

    A plain ``IN`` list of a chunk's keys lets PostgreSQL scan every contact and compare each
    with the whole list when its statistics are young (a first import): half a second a chunk
    at 100,000 contacts, growing with the table.
    """
    column = _key_column(channel)
    wanted = (
        func.unnest(bindparam("keys", keys, type_=ARRAY(String())))
        .table_valued("address_key")
        .render_derived(name="wanted")
    )
    two_holders = (
        select(literal(1)).where(column == wanted.c.address_key).limit(2).correlate(wanted)
    ).subquery("two_holders")
    held = select(func.count()).select_from(two_holders).scalar_subquery()
    return select(literal(channel.value, String), wanted.c.address_key).where(held > 1)


async def rebuild_shared_addresses(session: AsyncSession) -> int:
    """Recompute the marked set from every contact; the number of shared addresses."""
    await session.execute(delete(shared_addresses))
    for channel in Channel:
        await session.execute(
            shared_addresses.insert().from_select(["channel", "address_key"], _shared(channel))
        )
    count = await session.scalar(select(func.count()).select_from(shared_addresses))
    return int(count or 0)


def _shared(channel: Channel) -> Select[Any]:
    """(channel, key) for each key that more than one contact holds.

    Erased contacts hold no keys (erasure nulls them), so they are never counted.
    """
    column = _key_column(channel)
    return (
        select(literal(channel.value, String), column)
        .where(column.is_not(None))
        .group_by(column)
        .having(func.count() > 1)
    )
