from __future__ import annotations

import pytest

from campaign.campaigns.states import (
    CampaignAction,
    CampaignState,
    IllegalTransition,
    next_campaign_state,
)
from campaign.delivery.moves import Move
from campaign.delivery.states import (
    MessageState,
    can_move,
    is_final,
    open_states,
    report_applies,
    states_a_report_moves,
)
from campaign.kernel.channel import Channel

C, A, M = CampaignState, CampaignAction, MessageState


@pytest.mark.parametrize(
    ("state", "action", "target"),
    [
        (C.DRAFT, A.SUBMIT, C.AWAITING_APPROVAL),
        (C.AWAITING_APPROVAL, A.APPROVE, C.SCHEDULED),
        (C.AWAITING_APPROVAL, A.REJECT, C.DRAFT),
        (C.SCHEDULED, A.WITHDRAW, C.DRAFT),
        (C.AWAITING_APPROVAL, A.WITHDRAW, C.DRAFT),
        (C.SCHEDULED, A.START, C.RUNNING),
        (C.SCHEDULED, A.MISS, C.MISSED),
        (C.RUNNING, A.PAUSE, C.PAUSED),
        (C.PAUSED, A.RESUME, C.RUNNING),
        (C.RUNNING, A.COMPLETE, C.COMPLETED),
        (C.PAUSED, A.CANCEL, C.CANCELLED),
    ],
)
def test_campaign_transitions_follow_the_design_table(
    state: CampaignState, action: CampaignAction, target: CampaignState
) -> None:
    assert next_campaign_state(state, action) is target


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (C.DRAFT, A.APPROVE),  # approval needs a submission first
        (C.COMPLETED, A.CANCEL),
        (C.CANCELLED, A.RESUME),
        (C.RUNNING, A.APPROVE),
        (C.MISSED, A.START),
    ],
)
def test_other_campaign_transitions_are_refused(
    state: CampaignState, action: CampaignAction
) -> None:
    with pytest.raises(IllegalTransition, match=f"cannot {action.value}"):
        next_campaign_state(state, action)


def test_a_late_sent_never_undoes_delivered() -> None:
    assert not report_applies(M.DELIVERED, M.SENT)
    assert report_applies(M.SENT, M.DELIVERED)


def test_a_receipt_may_overtake_the_record_of_the_send() -> None:
    assert report_applies(M.SENDING, M.DELIVERED)
    assert M.SENDING in states_a_report_moves(M.DELIVERED)
    # Lowest rank first, so a report racing the record of `sent` still finds `sent` last.
    assert states_a_report_moves(M.DELIVERED) == (M.SENDING, M.UNKNOWN, M.SENT)


def test_a_second_final_outcome_does_not_overwrite_the_first() -> None:
    assert not report_applies(M.DELIVERED, M.FAILED_PERMANENT)
    assert not report_applies(M.FAILED_TEMPORARY, M.DELIVERED)


def test_unknown_is_settled_by_a_late_receipt() -> None:
    assert report_applies(M.UNKNOWN, M.DELIVERED)
    assert report_applies(M.UNKNOWN, M.SENT)


def test_sent_is_final_for_email_only() -> None:
    assert is_final(M.SENT, Channel.EMAIL)
    assert not is_final(M.SENT, Channel.SMS)
    assert is_final(M.EXPIRED, Channel.SMS)


def test_open_states_are_those_not_final_on_the_channel() -> None:
    assert open_states(Channel.SMS) == {M.QUEUED, M.SENDING, M.UNKNOWN, M.SENT}
    assert open_states(Channel.EMAIL) == {M.QUEUED, M.SENDING, M.UNKNOWN}


def test_a_message_that_cannot_be_written_fails_from_queued() -> None:
    assert can_move(M.QUEUED, M.FAILED_PERMANENT)
    assert not can_move(M.QUEUED, M.SENT)


def test_a_move_the_table_does_not_allow_is_refused_before_any_sql() -> None:
    with pytest.raises(ValueError, match="from delivered to sent"):
        Move(1, M.DELIVERED, M.SENT)
