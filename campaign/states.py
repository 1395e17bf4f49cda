"""Campaign and message states, their allowed transitions and their ranking, in one place.

Pure domain: no database, no network. DESIGN.md's two tables are transcribed here and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum


class IllegalTransition(Exception):
    """A state change that the transition table does not allow."""

    def __init__(self, kind: str, current: str, action: str) -> None:
        super().__init__(f"cannot {action} a {kind} that is {current}")
        self.kind = kind
        self.current = current
        self.action = action


class CampaignState(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    MISSED = "missed"


class CampaignAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    START = "start"  # its time comes
    MISS = "miss"  # its time passed while nothing ran and its window is over
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    RESCHEDULE = "reschedule"  # a recurring campaign between runs
    CANCEL = "cancel"


_C = CampaignState
CAMPAIGN_TRANSITIONS: dict[tuple[CampaignState, CampaignAction], CampaignState] = {
    (_C.DRAFT, CampaignAction.SUBMIT): _C.AWAITING_APPROVAL,
    (_C.AWAITING_APPROVAL, CampaignAction.APPROVE): _C.SCHEDULED,
    (_C.AWAITING_APPROVAL, CampaignAction.REJECT): _C.DRAFT,
    (_C.AWAITING_APPROVAL, CampaignAction.WITHDRAW): _C.DRAFT,
    (_C.SCHEDULED, CampaignAction.WITHDRAW): _C.DRAFT,
    (_C.SCHEDULED, CampaignAction.START): _C.RUNNING,
    (_C.SCHEDULED, CampaignAction.MISS): _C.MISSED,
    (_C.RUNNING, CampaignAction.PAUSE): _C.PAUSED,
    (_C.PAUSED, CampaignAction.RESUME): _C.RUNNING,
    (_C.RUNNING, CampaignAction.COMPLETE): _C.COMPLETED,
    (_C.RUNNING, CampaignAction.RESCHEDULE): _C.SCHEDULED,
    **{
        (state, CampaignAction.CANCEL): _C.CANCELLED
        for state in (_C.DRAFT, _C.AWAITING_APPROVAL, _C.SCHEDULED, _C.RUNNING, _C.PAUSED)
    },
}

# Staff may ask for these through the API; the others belong to the clock.
STAFF_ACTIONS = frozenset(
    {
        CampaignAction.SUBMIT,
        CampaignAction.APPROVE,
        CampaignAction.REJECT,
        CampaignAction.WITHDRAW,
        CampaignAction.PAUSE,
        CampaignAction.RESUME,
        CampaignAction.CANCEL,
    }
)

# Editing content is allowed here; editing a scheduled or submitted campaign withdraws it first.
EDITABLE_CAMPAIGN_STATES = frozenset({_C.DRAFT, _C.AWAITING_APPROVAL, _C.SCHEDULED})


def next_campaign_state(current: CampaignState, action: CampaignAction) -> CampaignState:
    """The state ``action`` leads to from ``current``, or ``IllegalTransition``."""
    try:
        return CAMPAIGN_TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition("campaign", current.value, action.value) from None


def campaign_states_allowing(action: CampaignAction) -> frozenset[CampaignState]:
    """Every state from which ``action`` is allowed (for conditional UPDATEs)."""
    return frozenset(state for (state, act) in CAMPAIGN_TRANSITIONS if act is action)


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
    _M.QUEUED: frozenset({_M.SENDING, _M.SKIPPED}),
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


def is_final(state: MessageState, channel: str) -> bool:
    """Whether nothing more is expected for the message; ``sent`` is final for email only."""
    return state in FINAL_STATES or (state is _M.SENT and channel == "email")


def can_move(current: MessageState, target: MessageState) -> bool:
    """Whether our own code may move a message from ``current`` to ``target``."""
    return target in MESSAGE_TRANSITIONS[current]


def report_applies(current: MessageState, reported: MessageState) -> bool:
    """Whether a provider's report of ``reported`` moves a message that is ``current``."""
    return can_move(current, reported) and MESSAGE_RANK[reported] > MESSAGE_RANK[current]


def states_a_report_moves(reported: MessageState) -> frozenset[MessageState]:
    """The current states a report of ``reported`` may move (for conditional UPDATEs)."""
    return frozenset(s for s in MessageState if report_applies(s, reported))
