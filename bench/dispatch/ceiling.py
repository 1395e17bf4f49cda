"""The ceiling: a minimal dispatch pipeline over the same database and the same 100 ms provider.

After the worker has drained its run (and stopped), the same contacts are queued again as a
second run with one bare ``INSERT … SELECT`` (nothing checked: no audience, reachability or
households), which is also the ceiling for materialising. Then this probe, in the bench's own
process, drains that run the way PERFORMANCE.md's probe did, writing the rows the worker writes:

- claim ``--ceiling-batch`` at a time by keyset (``id > last``, ``FOR UPDATE SKIP LOCKED`` in a
  ``MATERIALIZED`` CTE) and move them to ``sending`` in the same statement, with their delivery
  events and outbox events (one transaction);
- "send" each with ``asyncio.sleep(latency)``, at most ``--ceiling-in-flight`` at once, claiming
  the next batch while these are out;
- record ``sent`` (provider id, ``sent_at``) with ``UPDATE … FROM unnest`` in batches, and each
  message's ``delivered`` receipt the sandbox's 0.5 s later, also in batches, each move with its
  delivery event and outbox event.

No rendering, no last-moment check, no rate tokens, no outbox dispatch: what the database and a
provider that answers after ``latency`` allow on this machine, not what a correct worker can do.
The figures are read from the database exactly as the worker's are (``figures.py``).
"""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass

import asyncpg

from bench.dispatch.watch import backend_cpu, cpu_since

_QUEUE = """
INSERT INTO messages (run_id, campaign_id, contact_id, channel, address, language, state,
                      attempts, next_attempt_at, created_at, updated_at)
SELECT $1, $2, id, 'sms', phone, language, 'queued', 0, $3, $3, $3 FROM contacts ORDER BY id
"""
_CLAIM = """
WITH due AS MATERIALIZED (
    SELECT id FROM messages
    WHERE run_id = $1 AND state = 'queued' AND id > $2
    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
UPDATE messages m SET state = 'sending', lease_owner = 'probe',
                      lease_until = now() + interval '120 seconds',
                      attempts = m.attempts + 1, updated_at = now()
FROM due WHERE m.id = due.id
RETURNING m.id
"""
_SENT = """
UPDATE messages m SET state = 'sent', sent_at = now(), provider_id = d.provider_id,
                      provider_status = 'accepted', lease_owner = NULL, updated_at = now()
FROM unnest($1::bigint[], $2::text[]) AS d(id, provider_id)
WHERE m.id = d.id AND m.state = 'sending'
RETURNING m.id
"""
_DELIVERED = """
UPDATE messages SET state = 'delivered', provider_status = 'delivered', final_at = now(),
                    updated_at = now()
WHERE id = ANY($1::bigint[]) AND state = 'sent'
RETURNING id
"""
_EVENTS = """
INSERT INTO delivery_events (message_id, at, from_state, to_state, provider_status)
SELECT id, now(), $2, $3, $4 FROM unnest($1::bigint[]) AS id
"""
_OUTBOX = """
INSERT INTO outbox (topic, payload, created_at, available_at, attempts)
SELECT 'message.state_changed',
       jsonb_build_object('message_id', id, 'from', $2::text, 'to', $3::text), now(), now(), 0
FROM unnest($1::bigint[]) AS id
"""


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    latency: float
    batch: int
    in_flight: int
    report_delay: float = 0.5  # the sandbox's receipt delay


async def queue_again(
    conn: asyncpg.Connection, campaign_id: int, sequence: int
) -> tuple[int, float]:
    """Another run of the same contacts by one bare INSERT … SELECT: (run id, seconds)."""
    now = await conn.fetchval("SELECT now()")
    run_id = await conn.fetchval(
        "INSERT INTO campaign_runs (campaign_id, sequence, due_at, started_at, message_count) "
        "VALUES ($1, $2, $3, $3, 0) RETURNING id",
        campaign_id,
        sequence,
        now,
    )
    started = time.perf_counter()
    await conn.execute(_QUEUE, run_id, campaign_id, now)
    took = time.perf_counter() - started
    await conn.execute("ANALYZE messages")
    return int(run_id), took


async def _move(
    conn: asyncpg.Connection, ids: list[int], from_state: str, to_state: str, status: str | None
) -> None:
    await conn.execute(_EVENTS, ids, from_state, to_state, status)
    await conn.execute(_OUTBOX, ids, from_state, to_state)


class Probe:
    def __init__(self, pool: asyncpg.Pool, run_id: int, settings: ProbeSettings) -> None:
        self._pool = pool
        self._run_id = run_id
        self._settings = settings
        self._slots = asyncio.Semaphore(settings.in_flight)
        self._sent: list[tuple[int, str]] = []
        self._receipts: list[int] = []
        self._awaiting_receipt = 0
        self._claiming = True
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> float:
        """Drain the run; return the CPU seconds this process spent doing it."""
        cpu = _cpu()
        recorder = asyncio.create_task(self._record_loop())
        last = 0
        while ids := await self._claim(last):
            last = ids[-1]
            for message_id in ids:
                await self._slots.acquire()
                task = asyncio.create_task(self._send(message_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        await asyncio.gather(*self._tasks)
        self._claiming = False
        await recorder
        return _cpu() - cpu

    async def _claim(self, last: int) -> list[int]:
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self._run_id, last, self._settings.batch)
            ids = sorted(int(r[0]) for r in rows)
            if ids:
                await _move(conn, ids, "queued", "sending", None)
        return ids

    async def _send(self, message_id: int) -> None:
        try:
            await asyncio.sleep(self._settings.latency)
            self._sent.append((message_id, f"PROBE{message_id:012d}"))
        finally:
            self._slots.release()

    async def _record_loop(self) -> None:
        while self._claiming or self._tasks or self._sent or self._awaiting_receipt:
            sent, self._sent = self._sent, []
            receipts, self._receipts = self._receipts, []
            await asyncio.gather(self._record_sent(sent), self._record_receipts(receipts))
            await asyncio.sleep(0.02)

    async def _record_sent(self, sent: list[tuple[int, str]]) -> None:
        if not sent:
            return
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_SENT, [i for i, _ in sent], [p for _, p in sent])
            ids = [int(r[0]) for r in rows]
            await _move(conn, ids, "sending", "sent", "accepted")
        self._awaiting_receipt += len(ids)
        asyncio.get_running_loop().call_later(self._settings.report_delay, self._receipt, ids)

    def _receipt(self, ids: list[int]) -> None:
        """The provider's receipts for ``ids`` arrive (into whatever list is current now)."""
        self._receipts.extend(ids)

    async def _record_receipts(self, receipts: list[int]) -> None:
        if not receipts:
            return
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_DELIVERED, receipts)
            await _move(conn, [int(r[0]) for r in rows], "sent", "delivered", "delivered")
        self._awaiting_receipt -= len(receipts)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drain(url: str, run_id: int, settings: ProbeSettings) -> tuple[float, float]:
    """Run the probe over ``run_id``; return its CPU seconds and its database backends'."""
    pool = await asyncpg.create_pool(url, min_size=3, max_size=3)
    try:
        async with pool.acquire() as conn:
            before = await backend_cpu(conn)
        cpu = await Probe(pool, run_id, settings).run()
        async with pool.acquire() as conn:
            return cpu, cpu_since(before, await backend_cpu(conn))
    finally:
        await pool.close()
