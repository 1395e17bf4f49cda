"""The circuit breaker of a provider account, shared by every worker through the database.

When a provider refuses the account itself (Twilio's 20003 for credentials, 21212 or 21606 for
the sender), every message would fail the same way: none is failed. The message goes back to
the queue (its attempt not counted) and the account's circuit opens: its channel's messages
wait, and the campaigns show why. When ``retry_at`` comes, one worker takes the probe (a
conditional update: only one wins) and sends one message. Accepted, the circuit closes and
everyone sends again; refused again, it stays open for twice as long, at most ten minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from campaign.kernel.channel import Channel
from campaign.store.tables import provider_circuits

FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=10)
# How long a probe may take before another worker may probe instead (a worker killed mid-probe).
PROBE_LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Circuit:
    key: str
    channel: Channel
    code: str | None
    reason: str
    retry_at: datetime
    failures: int

    def as_json(self) -> dict[str, object]:
        return {
            "account": self.key.removeprefix("channel:"),
            "channel": self.channel.value,
            "code": self.code,
            "reason": self.reason,
            "refusals": self.failures,
            "next_probe_at": self.retry_at.isoformat(),
        }


def wait_after(failures: int) -> timedelta:
    """How long an account stays closed after its ``failures``-th refusal in a row."""
    doubled: timedelta = FIRST_WAIT * (2 ** min(max(failures - 1, 0), 10))
    return min(doubled, LONGEST_WAIT)


async def open_circuits(session: AsyncSession) -> dict[str, Circuit]:
    """Every open circuit, by its account's key (a small table: usually empty)."""
    rows = await session.execute(select(provider_circuits))
    return {
        r.key: Circuit(r.key, Channel(r.channel), r.code, r.reason, r.retry_at, r.failures)
        for r in rows
    }


async def take_probe(session: AsyncSession, key: str, worker_id: str, now: datetime) -> bool:
    """Whether this worker sends the probe of ``key`` now; pushes ``retry_at`` on by the
    probe's lease, so no other worker probes meanwhile."""
    result = await session.execute(
        update(provider_circuits)
        .where(provider_circuits.c.key == key, provider_circuits.c.retry_at <= now)
        .values(probe_owner=worker_id, retry_at=now + PROBE_LEASE)
    )
    return bool(getattr(result, "rowcount", 0))


async def trip(
    session: AsyncSession,
    key: str,
    channel: Channel,
    code: str | None,
    reason: str,
    now: datetime,
) -> Circuit:
    """Open ``key``'s circuit, or keep it open for longer when it already was."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    await session.execute(  # two workers refused at once: one row, then both count
        insert(provider_circuits)
        .values(
            key=key,
            channel=channel.value,
            reason=reason,
            opened_at=now,
            retry_at=now,
            failures=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = (
        await session.execute(
            select(provider_circuits.c.failures)
            .where(provider_circuits.c.key == key)
            .with_for_update()
        )
    ).first()
    failures = (row.failures if row else 0) + 1
    retry_at = now + wait_after(failures)
    await session.execute(
        update(provider_circuits)
        .where(provider_circuits.c.key == key)
        .values(code=code, reason=reason, retry_at=retry_at, failures=failures, probe_owner=None)
    )
    return Circuit(key, channel, code, reason, retry_at, failures)


async def close(session: AsyncSession, keys: set[str]) -> None:
    """The accounts of ``keys`` sent again: their circuits close."""
    if keys:
        await session.execute(delete(provider_circuits).where(provider_circuits.c.key.in_(keys)))
