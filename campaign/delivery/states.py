"""Message states: their allowed moves, their ranking and their finality, in one place.

Pure domain: no database, no network. DESIGN.md's message table is transcribed here and nowhere
else; dispatch, tracking and the sweeps derive their conditional updates from it.
"""

from __future__ import annotations

from enum import StrEnum

from campaign.kernel.channel import Channel


class MessageState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED_PERMANENT = "failed_permanent"
    FAILED_TEMPORARY = "failed_temporary"
    EXPIRED = "expired"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


_M = MessageState

# Rank orders how far a message got. A provider report only ever moves a message up, so a late
# or duplicated "sent" after "delivered" changes nothing. Final outcomes share the top rank:
# once one is known, another report of a different final outcome does not overwrite it.
MESSAGE_RANK: dict[MessageState, int] = {
    _M.QUEUED: 0,
    _M.SENDING: 1,
    _M.UNKNOWN: 2,
    _M.SENT: 3,
    _M.DELIVERED: 4,
    _M.FAILED_PERMANENT: 4,
    _M.FAILED_TEMPORARY: 4,
    _M.EXPIRED: 4,
    _M.SKIPPED: 4,
}

# Everything our own code may do to a message. Provider reports are further held to the rank.
MESSAGE_TRANSITIONS: dict[MessageState, frozenset[MessageState]] = {
    # failed_permanent from queued: the message could not be written (a template problem).
    _M.QUEUED: frozenset({_M.SENDING, _M.SKIPPED, _M.FAILED_PERMANENT}),
    _M.SENDING: frozenset(
        {
            _M.SENT,
            _M.DELIVERED,  # a receipt that overtakes the record of the provider's answer
            _M.FAILED_PERMANENT,
            _M.FAILED_TEMPORARY,
            _M.QUEUED,  # a retryable error with attempts left
            _M.UNKNOWN,  # a crash or timeout during the provider call
        }
    ),
    _M.UNKNOWN: frozenset(
        {_M.SENT, _M.DELIVERED, _M.FAILED_PERMANENT, _M.FAILED_TEMPORARY, _M.QUEUED}
    ),
    _M.SENT: frozenset({_M.DELIVERED, _M.FAILED_PERMANENT, _M.FAILED_TEMPORARY, _M.EXPIRED}),
    # An email's "sent" is final for us, but a bounce can still arrive; kept above.
    _M.DELIVERED: frozenset(),
    _M.FAILED_PERMANENT: frozenset(),
    _M.FAILED_TEMPORARY: frozenset(),
    _M.EXPIRED: frozenset(),
    _M.SKIPPED: frozenset(),
}

FINAL_STATES = frozenset(
    {_M.DELIVERED, _M.FAILED_PERMANENT, _M.FAILED_TEMPORARY, _M.EXPIRED, _M.SKIPPED}
)


def is_final(state: MessageState, channel: Channel) -> bool:
    """Whether nothing more is expected for the message; ``sent`` is final for email only."""
    return state in FINAL_STATES or (state is _M.SENT and channel == Channel.EMAIL)


def open_states(channel: Channel) -> frozenset[MessageState]:
    """The states in which a message on ``channel`` still waits for something."""
    return frozenset(s for s in MessageState if not is_final(s, channel))


def can_move(current: MessageState, target: MessageState) -> bool:
    """Whether our own code may move a message from ``current`` to ``target``."""
    return target in MESSAGE_TRANSITIONS[current]


def report_applies(current: MessageState, reported: MessageState) -> bool:
    """Whether a provider's report of ``reported`` moves a message that is ``current``."""
    return can_move(current, reported) and MESSAGE_RANK[reported] > MESSAGE_RANK[current]


def states_a_report_moves(reported: MessageState) -> tuple[MessageState, ...]:
    """The current states a report of ``reported`` may move, lowest rank first.

    The order matters to the conditional UPDATEs tried one after the other: a report that
    races the worker's record of ``sent`` waits on its ``sending`` row, finds it ``sent`` once
    the worker commits, and must still try ``sent`` after that (PostgreSQL reads the committed
    row afresh for each statement). Tried highest first, the report was lost.
    """
    movable = [s for s in MessageState if report_applies(s, reported)]
    return tuple(sorted(movable, key=lambda s: MESSAGE_RANK[s]))
