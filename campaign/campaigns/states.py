"""Campaign states and their allowed transitions, in one place.

Pure domain: no database, no network. DESIGN.md's campaign table is transcribed here and nowhere
else; which states allow editing lives here too.
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


def edit_withdraws(state: CampaignState) -> bool:
    """Whether editing a campaign in ``state`` first takes it back to draft."""
    return state in EDITABLE_CAMPAIGN_STATES and state is not _C.DRAFT


def next_campaign_state(current: CampaignState, action: CampaignAction) -> CampaignState:
    """The state ``action`` leads to from ``current``, or ``IllegalTransition``."""
    try:
        return CAMPAIGN_TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition("campaign", current.value, action.value) from None


def campaign_states_allowing(action: CampaignAction) -> frozenset[CampaignState]:
    """Every state from which ``action`` is allowed (for conditional UPDATEs)."""
    return frozenset(state for (state, act) in CAMPAIGN_TRANSITIONS if act is action)
