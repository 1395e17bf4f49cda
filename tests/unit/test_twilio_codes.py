"""Twilio's codes and statuses in our terms: one table for API answers and callbacks."""

from __future__ import annotations

import pytest

from campaign.channels.twilio.codes import CODES, CodeKind, at_send, code_of, fate_of
from campaign.delivery.states import MessageState


@pytest.mark.parametrize("code", [20003, 21212, 21606])
def test_account_level_codes_open_the_circuit_instead_of_failing_messages(code: int) -> None:
    assert at_send(code, 400, "").kind is CodeKind.ACCOUNT


@pytest.mark.parametrize("code", [21211, 21408, 21614])
def test_address_codes_are_permanent(code: int) -> None:
    assert at_send(code, 400, "").kind is CodeKind.PERMANENT


def test_21610_is_an_opt_out() -> None:
    assert at_send(21610, 400, "").kind is CodeKind.OPTED_OUT


@pytest.mark.parametrize(("code", "status"), [(20429, 429), (None, 429), (30001, 400)])
def test_busy_answers_are_retryable(code: int | None, status: int) -> None:
    assert at_send(code, status, "").kind is CodeKind.RETRYABLE


def test_an_unknown_refusal_is_permanent_and_says_what_twilio_said() -> None:
    said = at_send(21999, 400, "Something new")
    assert said.kind is CodeKind.PERMANENT
    assert "21999" in said.reason and "Something new" in said.reason


def test_every_reason_is_plain_words() -> None:
    for code, known in CODES.items():
        assert known.reason.strip() and known.reason == known.reason.strip(), code
        assert "Error" not in known.reason and "Exception" not in known.reason


@pytest.mark.parametrize("status", ["accepted", "queued", "sending", "sent", "SENT", " sent "])
def test_statuses_before_the_handset_prove_acceptance(status: str) -> None:
    fate = fate_of(status, None)
    assert fate is not None and fate.state is MessageState.SENT


@pytest.mark.parametrize("status", ["delivered", "read"])
def test_delivered(status: str) -> None:
    fate = fate_of(status, None)
    assert fate is not None and fate.state is MessageState.DELIVERED


@pytest.mark.parametrize(
    ("status", "code", "state"),
    [
        ("undelivered", "30003", MessageState.FAILED_TEMPORARY),
        ("undelivered", "30005", MessageState.FAILED_PERMANENT),
        ("undelivered", "30006", MessageState.FAILED_PERMANENT),
        ("failed", "30007", MessageState.FAILED_TEMPORARY),
        ("undelivered", "30008", MessageState.FAILED_TEMPORARY),
        ("failed", "39999", MessageState.FAILED_TEMPORARY),
        ("failed", None, MessageState.FAILED_TEMPORARY),
        ("failed", "nonsense", MessageState.FAILED_TEMPORARY),
    ],
)
def test_failures_in_callbacks_by_code(status: str, code: str | None, state: MessageState) -> None:
    fate = fate_of(status, code)
    assert fate is not None and fate.state is state
    assert fate.reason


def test_a_status_we_do_not_know_says_nothing() -> None:
    assert fate_of("teleported", None) is None


@pytest.mark.parametrize(("value", "code"), [(30003, 30003), ("30003", 30003), ("", None)])
def test_codes_come_as_numbers_or_text(value: object, code: int | None) -> None:
    assert code_of(value) == code
