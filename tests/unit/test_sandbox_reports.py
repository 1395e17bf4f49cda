"""The sandbox's reports reach tracking even when tracking cannot take them at first."""

from __future__ import annotations

import asyncio
import logging

import pytest

from campaign.channels import DeliveryReport, OutboundMessage
from campaign.channels.sandbox import sandbox_sms
from campaign.delivery.states import MessageState
from campaign.kernel.channel import Channel
from campaign.kernel.clock import ManualClock


async def _let_time_pass(clock: ManualClock, seconds: float) -> None:
    for _ in range(int(seconds)):
        for _ in range(5):  # let every task run up to its next sleep
            await asyncio.sleep(0)
        clock.advance(1)
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_report_that_cannot_be_recorded_now_is_tried_again_not_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    recorded: list[DeliveryReport] = []
    failures = 3

    async def busy_then_fine(report: DeliveryReport) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("QueuePool limit of size 10 overflow 10 reached")
        recorded.append(report)

    sms = sandbox_sms(busy_then_fine, clock, report_delay=1)
    await sms.send(OutboundMessage(7, Channel.SMS, "+32470000001", "nl", "Dag An."))
    await _let_time_pass(clock, 1 + 1 + 2 + 4)  # the delay, then the waits of three retries

    assert [(r.message_id, r.state) for r in recorded] == [(7, MessageState.DELIVERED)]
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 3
    assert "trying again" in retries[0].getMessage()
    await sms.close()
