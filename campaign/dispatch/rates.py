"""The shared rates' cursors in the database: read under a row lock, written back in the same
transaction as the messages they let go, so every worker process paces against one rate.

A key names a rate: ``campaign:<id>`` for a campaign's own rate, ``channel:<channel>:<sender>``
for what the provider account allows on one sender. Rows are made on first use.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.dispatch.pacing import Cursor
from campaign.store.tables import send_rates


def campaign_key(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def channel_key(channel: str, sender: str) -> str:
    return f"channel:{channel}:{sender}"


async def lock_cursors(
    session: AsyncSession, rates: Mapping[str, float], existing: set[str]
) -> dict[str, Cursor]:
    """The cursors of ``rates`` (key → messages per second), locked until the transaction ends.

    Locked in key order, so two workers never wait on each other crosswise. Rows not in
    ``existing`` are made first (and added to it once committed rows are read back), so the
    hot path inserts nothing for rates it has used before.
    """
    keys = sorted(rates)
    new = [k for k in keys if k not in existing]
    if new:
        dialect = session.get_bind().dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        await session.execute(
            insert(send_rates).on_conflict_do_nothing(index_elements=["key"]),
            # A new rate has been idle for ever: its first burst may go at once.
            [{"key": k, "next_at": 0.0, "promised_at": 0.0} for k in new],
        )
    rows = await session.execute(
        select(send_rates.c.key, send_rates.c.next_at, send_rates.c.promised_at)
        .where(send_rates.c.key.in_(keys))
        .order_by(send_rates.c.key)
        .with_for_update()
    )
    cursors = {r.key: Cursor(rates[r.key], r.next_at, r.promised_at) for r in rows}
    missing = set(keys) - set(cursors)
    if missing:  # made in a transaction that was rolled back: make them again
        existing.difference_update(missing)
        return await lock_cursors(session, rates, existing)
    existing.update(cursors)
    return cursors


async def save_cursors(session: AsyncSession, cursors: Mapping[str, Cursor]) -> None:
    if not cursors:
        return
    await session.execute(
        update(send_rates)
        .where(send_rates.c.key == bindparam("k"))
        .values(next_at=bindparam("n"), promised_at=bindparam("p")),
        [{"k": k, "n": c.next_at, "p": c.promised_at} for k, c in sorted(cursors.items())],
    )
