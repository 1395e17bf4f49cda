"""The provider contract: what every SMS and email adapter promises dispatch and tracking.

One suite runs over every adapter of ``campaign.channels.base.Provider``. Each adapter enters
through a harness, a ``ProviderUnderTest``: the provider, the reports its sink received, a way
to let the reports it promised arrive (``settle``), and its documented addresses for each way a
send can go.

How a new adapter joins: write an async context manager that takes the test's ``ManualClock``
and yields a ``ProviderUnderTest``. Start what stands in for the real provider (a
protocol-level fake of Twilio's REST API, an aiosmtpd server), build the adapter from
``ProviderSinks`` whose report sink appends to ``reports``, give ``settle`` (for the Twilio
fake: post the status callbacks it owes; for the sandbox: move the clock and flush), and name
the address that makes each ``Failure`` happen. Where the adapter cannot show one (an SMTP
bounce arrives through the bounce receiver, not the adapter), give ``NotOffered(reason)``:
those cases are skipped for that adapter alone, with the reason. Stop what you started when the
context exits, then add the builder to ``HARNESSES``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import pytest
from aiohttp import web

from campaign.channels import (
    Accepted,
    DeliveryReport,
    ForgedWebhook,
    InboundSms,
    OutboundMessage,
    PermanentSendError,
    Provider,
    ProviderSinks,
    RetryableSendError,
    SendError,
    SendOutcomeUnknown,
)
from campaign.channels.sandbox import SandboxProvider, sandbox_email, sandbox_sms
from campaign.channels.twilio.sms import TwilioAccount, TwilioSms
from campaign.channels.twilio.webhooks import TwilioWebhooks
from campaign.delivery.states import MessageState, is_final
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock
from tests.fakes import smtp as smtp_fake
from tests.fakes.smtp import MailServer, smtp_email
from tests.fakes.twilio import FakeTwilio, Numbers

# A status callback carries our own message id, as the one dispatch builds does.
CALLBACK_BASE = "https://campaign.test/webhooks/twilio/status"


class Failure(StrEnum):
    """The ways a send can go wrong that every adapter's documentation names an address for."""

    REFUSED = "refused"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILS_LATER_PERMANENT = "fails-later-permanent"
    FAILS_LATER_TEMPORARY = "fails-later-temporary"

    @property
    def describes(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Failure.REFUSED: "is refused for good at send",
    Failure.BUSY: "is refused for now at send",
    Failure.NO_ANSWER: "gets no answer in time at send",
    Failure.FAILS_LATER_PERMANENT: "is accepted, then reported failed for good",
    Failure.FAILS_LATER_TEMPORARY: "is accepted, then reported failed for now",
}


@dataclass(frozen=True, slots=True)
class NotOffered:
    """This adapter cannot show the behaviour; ``reason`` says why, and the case is skipped."""

    reason: str


@dataclass
class ProviderUnderTest:
    """One adapter wired to a recording report sink, with its documented addresses."""

    name: str
    channel: Channel
    provider: Provider
    reports: list[DeliveryReport]
    settle: Callable[[], Awaitable[None]]  # let every report already promised arrive
    good_address: str
    addresses: Mapping[Failure, str | NotOffered]
    success_report: MessageState | NotOffered  # what a good message is reported as, if at all

    def __post_init__(self) -> None:
        missing = set(Failure) - set(self.addresses)
        if missing:  # a harness must explain every case it cannot show, never skip silently
            raise ValueError(f"{self.name} names no address or reason for {sorted(missing)}")

    def address(self, failure: Failure) -> str:
        """The address that makes ``failure`` happen, or skip: this adapter has none."""
        found = self.addresses[failure]
        if isinstance(found, NotOffered):
            pytest.skip(f"{self.name} has no address that {failure.describes}: {found.reason}")
        return found

    def outbound(self, message_id: int, to: str | None = None) -> OutboundMessage:
        """A short rendered message, shaped as dispatch hands it to this channel."""
        email = self.channel is Channel.EMAIL
        text = "Hulp bij je energiefactuur? Bel gratis 1700."
        return OutboundMessage(
            message_id=message_id,
            channel=self.channel,
            to=to or self.good_address,
            language="nl",
            text=text,
            subject="Hulp bij je energiefactuur" if email else None,
            html=f"<p>{text}</p>" if email else None,
            status_callback_url=f"{CALLBACK_BASE}?message_id={message_id}",
        )


HarnessBuilder = Callable[[ManualClock], AbstractAsyncContextManager[ProviderUnderTest]]

SANDBOX_REPORT_DELAY = 1.0  # manual seconds between a sandbox's acceptance and its report


def _sandbox_settle(provider: SandboxProvider, clock: ManualClock) -> Callable[[], Awaitable[None]]:
    async def settle() -> None:
        for _ in range(3):  # let report tasks start and begin their wait on the clock
            await asyncio.sleep(0)
        clock.advance(SANDBOX_REPORT_DELAY)
        await provider.flush()

    return settle


def _recording_sinks(clock: ManualClock) -> tuple[list[DeliveryReport], ProviderSinks]:
    reports: list[DeliveryReport] = []

    async def report(received: DeliveryReport) -> None:
        reports.append(received)

    async def reply(received: InboundSms) -> None:  # replies are not part of this contract
        pass

    return reports, ProviderSinks(report=report, reply=reply, clock=clock)


@asynccontextmanager
async def sandbox_sms_harness(clock: ManualClock) -> AsyncIterator[ProviderUnderTest]:
    """The simulator numbers of docs/operations.md."""
    reports, sinks = _recording_sinks(clock)
    provider = sandbox_sms(
        sinks.report, sinks.clock, report_delay=SANDBOX_REPORT_DELAY, reply_sink=sinks.reply
    )
    try:
        yield ProviderUnderTest(
            name="sandbox-sms",
            channel=Channel.SMS,
            provider=provider,
            reports=reports,
            settle=_sandbox_settle(provider, clock),
            good_address="+32470000001",
            addresses={
                Failure.REFUSED: "+32499000003",
                Failure.BUSY: "+32499000004",
                Failure.NO_ANSWER: "+32499000005",
                Failure.FAILS_LATER_PERMANENT: "+32499000001",
                Failure.FAILS_LATER_TEMPORARY: "+32499000002",
            },
            success_report=MessageState.DELIVERED,
        )
    finally:
        await _sandbox_settle(provider, clock)()  # else close() waits out its five real seconds
        await provider.close()


@asynccontextmanager
async def sandbox_email_harness(clock: ManualClock) -> AsyncIterator[ProviderUnderTest]:
    """The simulator addresses of docs/operations.md."""
    reports, sinks = _recording_sinks(clock)
    provider = sandbox_email(sinks.report, sinks.clock, report_delay=SANDBOX_REPORT_DELAY)
    try:
        yield ProviderUnderTest(
            name="sandbox-email",
            channel=Channel.EMAIL,
            provider=provider,
            reports=reports,
            settle=_sandbox_settle(provider, clock),
            good_address="els@example.org",
            addresses={
                Failure.REFUSED: "rejected@simulator.example.org",
                Failure.BUSY: "busy@simulator.example.org",
                Failure.NO_ANSWER: "timeout@simulator.example.org",
                Failure.FAILS_LATER_PERMANENT: "hard-bounce@simulator.example.org",
                Failure.FAILS_LATER_TEMPORARY: "soft-bounce@simulator.example.org",
            },
            success_report=NotOffered(
                "email has no delivery receipt: `sent` is final unless a bounce comes back"
            ),
        )
    finally:
        await _sandbox_settle(provider, clock)()  # else close() waits out its five real seconds
        await provider.close()


TWILIO_ACCOUNT = "AC" + "5e" * 16
TWILIO_TOKEN = "contract-auth-token"


@asynccontextmanager
async def _status_receiver(reports: list[DeliveryReport], public_url: str) -> AsyncIterator[str]:
    """The service's side of Twilio's status callbacks, reduced to the adapter's part: the
    signature checked against the public URL, the callback read into a report."""
    webhooks = TwilioWebhooks(TWILIO_TOKEN, public_url)

    async def status(request: web.Request) -> web.Response:
        form = await request.post()
        signature = request.headers.get("X-Twilio-Signature", "")
        try:
            callback = webhooks.status(request.path_qs, form, signature, "")
        except ForgedWebhook:
            return web.Response(status=403)
        report = webhooks.report(callback)
        if report is not None:
            reports.append(report)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/webhooks/twilio/status", status)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def twilio_sms_harness(clock: ManualClock) -> AsyncIterator[ProviderUnderTest]:
    """The real twilio library against the protocol-level fake (tests/fakes/twilio.py), whose
    reserved numbers make each failure happen; callbacks come back signed, through a proxy's
    address, to a receiver that checks them as the service does."""
    reports: list[DeliveryReport] = []
    async with _status_receiver(reports, "https://campaign.test") as receiver:
        fake = FakeTwilio(
            TWILIO_ACCOUNT,
            TWILIO_TOKEN,
            callback_to=receiver,
            manual_callbacks=True,
            hang_seconds=8.0,
        )
        base = await fake.start()
        account = TwilioAccount(TWILIO_ACCOUNT, TWILIO_TOKEN, sender="+32460000001", api_base=base)
        provider = TwilioSms(account, clock, call_timeout=2.5)  # a loaded CI machine
        try:
            yield ProviderUnderTest(
                name="twilio-sms",
                channel=Channel.SMS,
                provider=provider,
                reports=reports,
                settle=fake.settle,
                good_address="+32470000001",
                addresses={
                    Failure.REFUSED: Numbers.INVALID,
                    Failure.BUSY: Numbers.TOO_MANY_REQUESTS,
                    Failure.NO_ANSWER: Numbers.ACCEPTED_THEN_HANG,
                    Failure.FAILS_LATER_PERMANENT: Numbers.UNKNOWN_HANDSET,
                    Failure.FAILS_LATER_TEMPORARY: Numbers.UNREACHABLE,
                },
                success_report=MessageState.DELIVERED,
            )
        finally:
            await provider.close()
            await fake.close()


@asynccontextmanager
async def smtp_email_harness(clock: ManualClock) -> AsyncIterator[ProviderUnderTest]:
    """aiosmtplib over a pool to a real SMTP server (aiosmtpd, tests/fakes/smtp.py), whose
    reserved addresses make the relay refuse, defer or fall silent after the mail's bytes."""
    async with MailServer(hang_seconds=6.0) as relay:
        provider = smtp_email(relay.port, clock, timeout=2.5)  # a loaded CI machine
        try:
            yield ProviderUnderTest(
                name="smtp-email",
                channel=Channel.EMAIL,
                provider=provider,
                reports=[],  # SMTP reports nothing itself; see the two reasons below
                settle=_nothing_to_settle,
                good_address="els@example.org",
                addresses={
                    Failure.REFUSED: smtp_fake.REFUSED,
                    Failure.BUSY: smtp_fake.BUSY,
                    Failure.NO_ANSWER: smtp_fake.SILENT,
                    Failure.FAILS_LATER_PERMANENT: _BOUNCES_ELSEWHERE,
                    Failure.FAILS_LATER_TEMPORARY: _BOUNCES_ELSEWHERE,
                },
                success_report=NotOffered(
                    "email has no delivery receipt: `sent` is final unless a bounce comes back"
                ),
            )
        finally:
            await provider.close()


_BOUNCES_ELSEWHERE = NotOffered(
    "a bounce comes back as a mail to the bounce receiver, not through the adapter "
    "(tests/integration/test_bounces.py)"
)


async def _nothing_to_settle() -> None:
    pass


HARNESSES: dict[str, HarnessBuilder] = {
    "sandbox-sms": sandbox_sms_harness,
    "sandbox-email": sandbox_email_harness,
    "twilio-sms": twilio_sms_harness,
    "smtp-email": smtp_email_harness,
}


@pytest.fixture(params=list(HARNESSES))
async def under_test(
    request: pytest.FixtureRequest, clock: ManualClock
) -> AsyncIterator[ProviderUnderTest]:
    async with HARNESSES[request.param](clock) as harness:
        yield harness


_NOT_PLAIN = re.compile(r"Traceback|File \"|\n|\b[A-Z]\w*(Error|Exception)\b")


def _assert_plain_language(reason: str | None) -> None:
    assert reason is not None and reason.strip(), "a failure must say why, in words"
    assert not _NOT_PLAIN.search(reason), f"not a plain-language reason: {reason!r}"


ERROR_FOR: dict[Failure, type[SendError]] = {
    Failure.REFUSED: PermanentSendError,
    Failure.BUSY: RetryableSendError,
    Failure.NO_ANSWER: SendOutcomeUnknown,
}


def test_the_name_is_the_channel(under_test: ProviderUnderTest) -> None:
    assert under_test.provider.name == under_test.channel.value
    assert Channel(under_test.provider.name) is under_test.channel


async def test_a_good_message_is_accepted_with_a_provider_id(
    under_test: ProviderUnderTest,
) -> None:
    accepted = await under_test.provider.send(under_test.outbound(41))

    assert isinstance(accepted, Accepted)
    assert accepted.provider_id.strip()
    assert accepted.provider_status.strip()


async def test_a_good_message_is_reported_as_the_adapter_promises(
    under_test: ProviderUnderTest,
) -> None:
    """Reported under our message id where the channel has receipts; otherwise not at all,
    since ``sent`` is then final and any report would be a failure."""
    expected = under_test.success_report
    accepted = await under_test.provider.send(under_test.outbound(41))
    await under_test.settle()

    if isinstance(expected, NotOffered):
        assert under_test.reports == [], expected.reason
        return
    assert under_test.reports, "a delivery report was promised and never arrived"
    assert {r.message_id for r in under_test.reports} == {41}
    assert {r.provider_id for r in under_test.reports} <= {None, accepted.provider_id}
    assert under_test.reports[-1].state is expected


async def test_a_good_message_is_never_reported_failed(under_test: ProviderUnderTest) -> None:
    await under_test.provider.send(under_test.outbound(41))
    await under_test.settle()

    assert all(r.state in {MessageState.SENT, MessageState.DELIVERED} for r in under_test.reports)


@pytest.mark.parametrize("failure", list(ERROR_FOR))
async def test_a_failure_at_send_is_raised_as_its_own_send_error(
    under_test: ProviderUnderTest, failure: Failure
) -> None:
    message = under_test.outbound(42, under_test.address(failure))

    with pytest.raises(SendError) as caught:  # any other exception type fails the case
        await under_test.provider.send(message)

    error, expected = caught.value, ERROR_FOR[failure]
    assert isinstance(error, expected), f"{type(error).__name__}, expected {expected.__name__}"
    assert not any(isinstance(error, other) for other in set(ERROR_FOR.values()) - {expected})
    _assert_plain_language(error.reason)
    if isinstance(error, RetryableSendError) and error.retry_after is not None:
        assert error.retry_after > timedelta(0)


@pytest.mark.parametrize("failure", [Failure.REFUSED, Failure.BUSY])
async def test_a_message_refused_at_send_is_never_reported(
    under_test: ProviderUnderTest, failure: Failure
) -> None:
    with pytest.raises(SendError):
        await under_test.provider.send(under_test.outbound(43, under_test.address(failure)))
    await under_test.settle()

    assert under_test.reports == []


async def test_a_report_after_no_answer_names_our_message(under_test: ProviderUnderTest) -> None:
    """A receipt may overtake the record of a send that timed out; it must still find it."""
    with pytest.raises(SendOutcomeUnknown):
        await under_test.provider.send(
            under_test.outbound(44, under_test.address(Failure.NO_ANSWER))
        )
    await under_test.settle()

    assert all(r.message_id == 44 for r in under_test.reports)


@pytest.mark.parametrize(
    ("failure", "final_state"),
    [
        (Failure.FAILS_LATER_PERMANENT, MessageState.FAILED_PERMANENT),
        (Failure.FAILS_LATER_TEMPORARY, MessageState.FAILED_TEMPORARY),
    ],
)
async def test_a_failure_after_acceptance_is_reported_under_our_message_id(
    under_test: ProviderUnderTest, failure: Failure, final_state: MessageState
) -> None:
    message = under_test.outbound(45, under_test.address(failure))
    accepted = await under_test.provider.send(message)
    await under_test.settle()

    assert under_test.reports, "the failure was never reported"
    assert {r.message_id for r in under_test.reports} == {45}
    assert {r.provider_id for r in under_test.reports} <= {None, accepted.provider_id}
    last = under_test.reports[-1]
    assert last.state is final_state
    assert is_final(last.state, under_test.channel)
    _assert_plain_language(last.reason)


async def test_a_send_after_close_is_refused_not_delivered(under_test: ProviderUnderTest) -> None:
    """Shutting down must not swallow a message: it is not sent, and may be sent again later."""
    await under_test.provider.close()

    with pytest.raises(RetryableSendError):
        await under_test.provider.send(under_test.outbound(46))
    await under_test.settle()

    assert under_test.reports == []


async def test_provider_ids_are_unique_across_many_sends(under_test: ProviderUnderTest) -> None:
    ids = [(await under_test.provider.send(under_test.outbound(n))).provider_id for n in range(200)]

    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("adapter", list(HARNESSES))
async def test_two_workers_providers_never_share_an_id(adapter: str, clock: ManualClock) -> None:
    """Every worker process builds its own provider; an id must still name one message."""
    async with HARNESSES[adapter](clock) as first, HARNESSES[adapter](clock) as second:
        ids = [
            (await harness.provider.send(harness.outbound(n))).provider_id
            for harness in (first, second)
            for n in range(20)
        ]

    assert len(set(ids)) == len(ids)


async def test_concurrent_sends_are_all_accepted_with_distinct_ids(
    under_test: ProviderUnderTest,
) -> None:
    message_ids = range(100, 150)
    answers = await asyncio.gather(
        *(under_test.provider.send(under_test.outbound(n)) for n in message_ids)
    )
    accepted = dict(zip(message_ids, answers, strict=True))

    assert all(isinstance(a, Accepted) for a in answers)
    assert len({a.provider_id for a in answers}) == len(answers)
    if isinstance(under_test.success_report, NotOffered):
        return
    await under_test.settle()  # and every report names the message it is about
    assert {r.message_id for r in under_test.reports} == set(message_ids)
    for report in under_test.reports:
        assert report.provider_id in {None, accepted[report.message_id].provider_id}
