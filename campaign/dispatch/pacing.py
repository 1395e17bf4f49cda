"""Pacing: which claimed messages may go, at which moment, under rates shared by every worker.

Pure: the cursors come from the database (``dispatch/rates.py``) and go back to it. Each rate
is a cell-rate cursor: the moment from which its next message may go. A message goes at the
latest of its rates' cursors, and each cursor then moves one interval on. Only what may go
within ``horizon`` goes; the rest goes back to the queue with a turn to be claimed again: its
own campaign's turns are promised in order (kept in the database, so two waiting messages never
get the same turn), a shared channel's are estimated, so a slow campaign holds up no other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# A rate that has been idle may send this much at once: a tenth of a second's worth (at least
# one message). Over any 10-second window a rate then exceeds itself by at most 1%.
BURST_SECONDS = 0.1


@dataclass(slots=True)
class Cursor:
    rate: float  # messages per second
    next_at: float  # seconds since the epoch
    promised_at: float

    @property
    def interval(self) -> float:
        return 1 / self.rate


@dataclass(frozen=True, slots=True)
class Paced:
    """One message to pace: its own rate (the campaign's) and the rates it shares."""

    message_id: int
    own: str
    shared: tuple[str, ...]


@dataclass(slots=True)
class Plan:
    go_at: dict[int, float] = field(default_factory=dict)  # may go at this moment
    later: dict[int, float] = field(default_factory=dict)  # back to the queue until then


def plan(paced: Sequence[Paced], cursors: dict[str, Cursor], now: float, *, horizon: float) -> Plan:
    """Pace ``paced`` in order; move ``cursors`` on for what goes and what is promised."""
    for cursor in cursors.values():
        credit = max(BURST_SECONDS, cursor.interval)
        cursor.next_at = max(cursor.next_at, now - credit)
        cursor.promised_at = max(cursor.promised_at, cursor.next_at)
    estimate: dict[str, float] = {}
    result = Plan()
    for message in paced:
        keys = (message.own, *message.shared)
        at = max(cursors[k].next_at for k in keys)
        if at <= now + horizon:
            result.go_at[message.message_id] = at
            for k in keys:
                cursors[k].next_at = at + cursors[k].interval
            continue
        own = cursors[message.own]
        channel = [estimate.get(k, cursors[k].next_at) for k in message.shared]
        turn = max(at, own.promised_at, *channel)
        result.later[message.message_id] = turn
        own.promised_at = turn + own.interval
        for k, estimated in zip(message.shared, channel, strict=True):
            # Only a turn the shared rate decided takes a place in its line; a message that
            # waits for its own campaign's turn uses the channel then, not now.
            if turn < estimated + cursors[k].interval:
                estimate[k] = turn + cursors[k].interval
    return result
