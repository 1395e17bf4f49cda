"""What a drained run left in the database, read the same way for the worker and the ceiling.

Definitions (docs/benchmarks.md repeats them):

- **messages per second**: messages recorded ``sent`` (``sent_at`` set) divided by the time from
  the first move to ``sending`` (its delivery event) to the last ``sent_at``.
- **scheduled-to-sent latency**: ``sent_at`` minus the message's ``created_at``, which is the
  ``now`` of the scheduler's ``start_due`` that queued it, equal to its ``next_attempt_at`` at
  materialisation (the run is due at that moment). It therefore includes the time the run took
  to materialise and the worker's idle poll.
- **receipts**: delivery events into ``delivered``; a receipt is lost when its message is not
  ``delivered`` in the end.
- **duplicates**: a message handed to the provider twice, seen as two outcomes out of
  ``sending`` (``sent``, ``delivered``, a failure or ``unknown``: a move back to ``queued`` is a
  message given back before its call, or a retry after a refusal); an address of the run with
  more than one message or provider id; a provider id on more than one message. Messages moved
  to ``sending`` more than once are counted too, as a fact, not as duplicates.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

_SUMMARY = """
SELECT count(*) AS total,
       count(*) FILTER (WHERE state = 'delivered') AS delivered,
       count(sent_at) AS sent,
       count(*) FILTER (WHERE sent_at IS NULL) AS without_sent_at,
       count(*) FILTER (WHERE provider_id IS NULL) AS without_provider_id,
       count(provider_id) - count(DISTINCT provider_id) AS shared_provider_ids,
       count(*) FILTER (WHERE attempts > 1) AS attempted_twice,
       max(sent_at) AS last_sent,
       max(final_at) AS last_final,
       min(extract(epoch FROM sent_at - created_at)) AS first_latency,
       percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (
           ORDER BY extract(epoch FROM sent_at - created_at)) AS latency
FROM messages WHERE run_id = $1
"""
_STATES = "SELECT state, count(*) FROM messages WHERE run_id = $1 GROUP BY state ORDER BY state"
_EVENTS = """
SELECT min(e.at) FILTER (WHERE e.to_state = 'sending') AS first_sending,
       count(*) FILTER (WHERE e.to_state = 'sending') AS sending_events,
       count(*) FILTER (WHERE e.to_state = 'sent') AS sent_events,
       count(*) FILTER (WHERE e.to_state = 'delivered') AS receipts
FROM delivery_events e JOIN messages m ON m.id = e.message_id
WHERE m.run_id = $1
"""
_TWICE = """
SELECT count(*) FILTER (WHERE sending > 1), count(*) FILTER (WHERE handed > 1) FROM (
    SELECT count(*) FILTER (WHERE e.to_state = 'sending') AS sending,
           count(*) FILTER (WHERE e.from_state = 'sending' AND e.to_state <> 'queued') AS handed
    FROM delivery_events e JOIN messages m ON m.id = e.message_id
    WHERE m.run_id = $1 AND 'sending' IN (e.from_state, e.to_state)
    GROUP BY e.message_id) AS per_message
"""
_ADDRESS_TWICE = """
SELECT count(*) FROM (
    SELECT address FROM messages WHERE run_id = $1
    GROUP BY address HAVING count(*) > 1 OR count(DISTINCT provider_id) > 1) AS twice
"""


@dataclass(frozen=True, slots=True)
class RunFigures:
    total: int
    states: dict[str, int]
    sent: int
    delivered: int
    receipts: int
    sending_events: int
    sent_events: int
    seconds: float  # first ``sending`` to the last ``sent_at``
    seconds_to_final: float  # first ``sending`` to the last final state (receipts included)
    latency_first: float
    latency_p50: float
    latency_p99: float
    without_sent_at: int
    without_provider_id: int
    sending_again: int  # moved to ``sending`` more than once
    handed_twice: int  # two outcomes out of ``sending``: sent to the provider twice
    addresses_twice: int
    shared_provider_ids: int
    attempted_twice: int

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0

    @property
    def lost_receipts(self) -> int:
        return self.total - self.delivered

    @property
    def address_duplicates(self) -> int:
        return self.addresses_twice + self.shared_provider_ids

    @property
    def duplicates(self) -> int:
        return self.handed_twice + self.address_duplicates

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"per_second": self.per_second}


async def read_figures(conn: asyncpg.Connection, run_id: int) -> RunFigures:
    summary = await conn.fetchrow(_SUMMARY, run_id)
    events = await conn.fetchrow(_EVENTS, run_id)
    states = {row[0]: int(row[1]) for row in await conn.fetch(_STATES, run_id)}
    sending_again, handed_twice = await conn.fetchrow(_TWICE, run_id)
    first = events["first_sending"]
    last_sent, last_final = summary["last_sent"], summary["last_final"]
    latency = summary["latency"] or [0.0, 0.0]
    return RunFigures(
        total=int(summary["total"]),
        states=states,
        sent=int(summary["sent"]),
        delivered=int(summary["delivered"]),
        receipts=int(events["receipts"]),
        sending_events=int(events["sending_events"]),
        sent_events=int(events["sent_events"]),
        seconds=(last_sent - first).total_seconds() if first and last_sent else 0.0,
        seconds_to_final=(last_final - first).total_seconds() if first and last_final else 0.0,
        latency_first=float(summary["first_latency"] or 0.0),
        latency_p50=float(latency[0]),
        latency_p99=float(latency[1]),
        without_sent_at=int(summary["without_sent_at"]),
        without_provider_id=int(summary["without_provider_id"]),
        sending_again=int(sending_again),
        handed_twice=int(handed_twice),
        addresses_twice=int(await conn.fetchval(_ADDRESS_TWICE, run_id)),
        shared_provider_ids=int(summary["shared_provider_ids"]),
        attempted_twice=int(summary["attempted_twice"]),
    )
