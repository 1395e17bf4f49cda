"""The Twilio adapter's look-up and request fields, against the protocol-level fake: what it
calls found, what it calls absent (only what proves it), and what it leaves open."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from campaign.channels import (
    OutboundMessage,
    RetryableSendError,
    SendOutcomeUnknown,
    text_digest,
)
from campaign.channels.twilio.sms import MAX_VALIDITY, TwilioAccount, TwilioSms
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from tests.fakes.twilio import FakeTwilio

ACCOUNT = "AC" + "10" * 16
TOKEN = "lookup-auth-token"
TO = "+32470000042"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime.now(UTC))  # the fake dates messages by the real clock


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(ACCOUNT, TOKEN, callbacks=False) as started:
        yield started


@pytest.fixture
async def sms(fake: FakeTwilio, clock: ManualClock) -> AsyncIterator[TwilioSms]:
    assert fake.base_url is not None
    account = TwilioAccount(
        ACCOUNT, TOKEN, messaging_service_sid="MG" + "1" * 32, api_base=fake.base_url
    )
    provider = TwilioSms(account, clock, call_timeout=2.5)
    yield provider
    await provider.close()


def _message(n: int, text: str, valid_until: datetime | None = None) -> OutboundMessage:
    return OutboundMessage(n, Channel.SMS, TO, "nl", text, valid_until=valid_until)


async def test_a_message_twilio_took_is_found_with_its_sid(
    sms: TwilioSms, fake: FakeTwilio, clock: ManualClock
) -> None:
    handed_over = clock.now()
    accepted = await sms.send(_message(1, "Dag An. Bel 1700."))
    await sms.send(_message(2, "Another text to the same number"))

    trace = await sms.find(TO, text_digest("Dag An. Bel 1700."), handed_over)

    assert trace.accepted is not None and trace.accepted.provider_id == accepted.provider_id


async def test_no_message_at_all_to_the_number_is_absent(
    sms: TwilioSms, clock: ManualClock
) -> None:
    trace = await sms.find(TO, text_digest("never sent"), clock.now())
    assert trace.accepted is None and trace.absent


async def test_another_text_to_the_number_then_leaves_it_open(
    sms: TwilioSms, clock: ManualClock
) -> None:
    handed_over = clock.now()
    await sms.send(_message(1, "Dag An. Bel 1700 \u2013 gratis."))  # as if rewritten
    trace = await sms.find(TO, text_digest("Dag An. Bel 1700 - gratis."), handed_over)
    assert trace.accepted is None and not trace.absent


async def test_a_list_that_does_not_reach_back_to_the_hand_over_proves_nothing(
    sms: TwilioSms, clock: ManualClock
) -> None:
    handed_over = clock.now() - timedelta(minutes=30)  # ours would be older than all of these
    for n in range(200):
        await sms.send(_message(n, f"Bericht {n}"))
    trace = await sms.find(TO, text_digest("Dag An."), handed_over)
    assert trace.accepted is None and not trace.absent


async def test_the_messaging_service_and_validity_period_twilio_is_given(
    sms: TwilioSms, fake: FakeTwilio, clock: ManualClock
) -> None:
    await sms.send(_message(1, "Tot vanavond", valid_until=clock.now() + timedelta(hours=2)))
    await sms.send(_message(2, "Tot volgende week", valid_until=clock.now() + timedelta(days=7)))
    await sms.send(_message(3, "Geen einde"))

    given = {m.body: m for m in fake.messages.values()}
    assert given["Tot vanavond"].validity_period == 7200
    assert given["Tot volgende week"].validity_period == MAX_VALIDITY
    assert given["Geen einde"].validity_period is None
    assert {m.messaging_service_sid for m in given.values()} == {"MG" + "1" * 32}


async def test_a_connection_that_could_not_be_made_is_retryable(clock: ManualClock) -> None:
    """Nothing was written, so nothing can have arrived: safe to send again."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    provider = TwilioSms(TwilioAccount(ACCOUNT, TOKEN, sender="Gemeente", api_base=closed), clock)
    try:
        with pytest.raises(RetryableSendError) as caught:
            await provider.send(_message(1, "Dag An."))
    finally:
        await provider.close()
    assert not isinstance(caught.value, SendOutcomeUnknown)
    assert "connection could not be made" in caught.value.reason


@pytest.mark.parametrize("fault", ["drop_connection_share", "accept_then_500_share", "hang_share"])
async def test_a_request_that_went_out_without_an_answer_is_unknown(
    sms: TwilioSms, fake: FakeTwilio, fault: str
) -> None:
    fake.configure(**{fault: 1.0})
    fake.hang_seconds = 6
    with pytest.raises(SendOutcomeUnknown):
        await sms.send(_message(1, "Dag An."))
    assert fake.accepted_per_to[TO] == 1  # and Twilio had it: sending again would be twice
