"""Sandbox providers: accept like a real provider, then report through the same tracking path.

Simulator addresses make each kind of failure happen on purpose (docs/operations.md lists
them). Every other address is accepted and reported ``delivered`` a moment later.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from campaign.channels.base import (
    Accepted,
    DeliveryReport,
    InboundSms,
    OutboundMessage,
    PermanentSendError,
    ReplySink,
    ReportSink,
    RetryableSendError,
    SendOutcomeUnknown,
)
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock

log = logging.getLogger(__name__)

# A report that could not be recorded is tried again after 1 s, then 2, 4, … at most 30 s apart.
_FIRST_RETRY = 1.0
_LAST_RETRY = 30.0
_ATTEMPTS = 20  # about eight minutes: a database out of connections has recovered by then
_RECENT = 10_000


@dataclass(frozen=True, slots=True)
class Simulation:
    """What the sandbox does with one simulator address."""

    at_send: type[Exception] | None  # raise this when sending
    report: MessageState | None  # then report this (None: never report)
    code: str | None
    reason: str
    reply: str | None = None  # then the person texts this back


_DELIVER = Simulation(None, MessageState.DELIVERED, None, "delivered to the handset")

SMS_SIMULATOR: Mapping[str, Simulation] = {
    "+32499000001": Simulation(
        None, MessageState.FAILED_PERMANENT, "30005", "unknown number: it does not exist"
    ),
    "+32499000002": Simulation(
        None, MessageState.FAILED_TEMPORARY, "30003", "phone switched off or out of reach"
    ),
    "+32499000003": Simulation(
        PermanentSendError, None, "21211", "the number is not a valid mobile number"
    ),
    "+32499000004": Simulation(
        RetryableSendError, None, "20429", "the provider is busy: too many requests"
    ),
    "+32499000005": Simulation(
        SendOutcomeUnknown, MessageState.DELIVERED, None, "no answer from the provider in time"
    ),
    "+32499000006": Simulation(None, None, None, "accepted, never a receipt"),
    "+32499000007": Simulation(
        None, MessageState.DELIVERED, None, "delivered to the handset", reply="STOP"
    ),
}

EMAIL_SIMULATOR: Mapping[str, Simulation] = {
    "hard-bounce@simulator.example.org": Simulation(
        None, MessageState.FAILED_PERMANENT, "5.1.1", "the mailbox does not exist"
    ),
    "soft-bounce@simulator.example.org": Simulation(
        None, MessageState.FAILED_TEMPORARY, "4.2.2", "the mailbox is full"
    ),
    "rejected@simulator.example.org": Simulation(
        PermanentSendError, None, "550", "the mail server refused the address"
    ),
    "busy@simulator.example.org": Simulation(
        RetryableSendError, None, "421", "the mail server is busy"
    ),
    "timeout@simulator.example.org": Simulation(
        SendOutcomeUnknown, None, None, "no answer from the mail server in time"
    ),
}


class SandboxProvider:
    """A provider that never leaves the process; it answers a send after ``latency`` seconds
    (as a provider across the network does) and reports ``report_delay`` seconds later."""

    def __init__(
        self,
        name: str,
        simulator: Mapping[str, Simulation],
        report_sink: ReportSink,
        clock: Clock,
        *,
        report_delay: float = 0.5,
        report_success: bool = True,
        reply_sink: ReplySink | None = None,
        latency: float = 0.0,
    ) -> None:
        self.name = name
        self._latency = latency
        self._reply_sink = reply_sink
        self._simulator = simulator
        self._sink = report_sink
        self._clock = clock
        self._delay = report_delay
        # Email has no delivery receipt: "sent" is final unless a bounce comes back.
        self._report_success = report_success
        # A prefix of its own per provider: several worker processes each build one, and a
        # provider's id must name one message, as Twilio's SIDs do.
        self._id_prefix = f"SB{name[:2].upper()}{secrets.token_hex(4).upper()}"
        self._ids = itertools.count(1)
        self._pending: set[asyncio.Task[None]] = set()
        self._closed = False
        # The latest accepted messages, for tests and the demo: bounded, so a worker sending a
        # million messages keeps a flat memory. ``accepted`` counts them all.
        self._recent: deque[OutboundMessage] = deque(maxlen=_RECENT)
        self.accepted = 0

    async def send(self, message: OutboundMessage) -> Accepted:
        if self._closed:  # never accepted, so another worker may send it later
            raise RetryableSendError("the sandbox provider is shutting down")
        if self._latency:
            await self._clock.sleep(self._latency)
        simulation = self._simulator.get(message.to.lower() if "@" in message.to else message.to)
        provider_id = f"{self._id_prefix}{next(self._ids):010d}"
        if simulation is not None and simulation.at_send is not None:
            if simulation.report is not None:
                self._report_later(message, provider_id, simulation)
            raise simulation.at_send(simulation.reason, simulation.code)
        self._recent.append(message)
        self.accepted += 1
        if simulation is not None:
            if simulation.report is not None:
                self._report_later(message, provider_id, simulation)
        elif self._report_success:
            self._report_later(message, provider_id, _DELIVER)
        return Accepted(provider_id=provider_id, provider_status="accepted")

    def _report_later(self, message: OutboundMessage, provider_id: str, sim: Simulation) -> None:
        assert sim.report is not None
        report = DeliveryReport(
            message_id=message.message_id,
            provider_id=provider_id,
            state=sim.report,
            provider_status=sim.report.value,
            code=sim.code,
            reason=sim.reason,
        )
        reply = InboundSms(message.to, sim.reply, f"SBIN{provider_id}") if sim.reply else None
        task = asyncio.create_task(self._deliver(report, reply))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, report: DeliveryReport, reply: InboundSms | None) -> None:
        await self._clock.sleep(self._delay)
        await self._until_recorded(self._sink, report)
        if reply is not None and self._reply_sink is not None:  # as soon as it arrived
            await self._until_recorded(self._reply_sink, reply)

    async def _until_recorded(
        self, sink: Callable[[Any], Awaitable[object]], item: DeliveryReport | InboundSms
    ) -> None:
        """Hand ``item`` to ``sink`` until it is taken: a receipt that cannot be written now (a
        database busy or out of connections) is tried again for about eight minutes, as a
        provider repeats a callback that was not answered, then logged as an error."""
        wait = _FIRST_RETRY
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                await sink(item)
                return
            except Exception:
                if attempt == _ATTEMPTS:  # a fault that does not pass: say so, loudly, once
                    log.exception(
                        "a sandbox %s could not be recorded; given up", type(item).__name__
                    )
                    return
                log.warning(
                    "recording a sandbox %s failed; trying again in %.0f s",
                    type(item).__name__,
                    wait,
                    exc_info=True,
                )
                await self._clock.sleep(wait)
                wait = min(wait * 2, _LAST_RETRY)

    @property
    def sent(self) -> list[OutboundMessage]:
        """The latest accepted messages (up to 10,000), oldest first."""
        return list(self._recent)

    async def flush(self) -> None:
        """Wait for every report already promised (tests and clean shutdown)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), timeout=5)
        except TimeoutError:
            for task in list(self._pending):
                task.cancel()


def sandbox_sms(
    sink: ReportSink,
    clock: Clock,
    *,
    report_delay: float = 0.5,
    reply_sink: ReplySink | None = None,
    latency: float = 0.0,
) -> SandboxProvider:
    return SandboxProvider(
        Channel.SMS,
        SMS_SIMULATOR,
        sink,
        clock,
        report_delay=report_delay,
        reply_sink=reply_sink,
        latency=latency,
    )


def sandbox_email(
    sink: ReportSink, clock: Clock, *, report_delay: float = 0.5, latency: float = 0.0
) -> SandboxProvider:
    return SandboxProvider(
        Channel.EMAIL,
        EMAIL_SIMULATOR,
        sink,
        clock,
        report_delay=report_delay,
        report_success=False,
        latency=latency,
    )
