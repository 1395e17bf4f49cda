"""The composition root: the one place that reads settings and names concrete adapters.

``build`` makes every long-lived object (engine, channels, services) for one process; roles
(serve, worker, scheduler) take what they need from the returned ``Services`` and close it
when they stop.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from audiences.addresses import AddressKeys
from campaign.approval_checks import ContentChecks
from campaign.channels.base import Channel, DeliveryReport
from campaign.channels.sandbox import sandbox_email, sandbox_sms
from campaign.clock import Clock, SystemClock
from campaign.cost import CostEstimator
from campaign.dispatch.composer import Composer
from campaign.dispatch.worker import DispatchWorker
from campaign.events.outbox import Handler, OutboxDispatcher
from campaign.messages.render import Renderer
from campaign.security import Signer
from campaign.service import CampaignService
from campaign.settings import EmailProvider, Settings, SettingsError, SmsProvider
from campaign.store.engine import Database, create_engine
from campaign.tracking import sweeps
from campaign.tracking.inbound import InboundReplies
from campaign.tracking.receipts import ReceiptRecorder
from scheduler.clock import CampaignClock, ClockWork
from scheduler.leader import AlwaysLeader, Leadership, PostgresAdvisoryLeader


@dataclass
class Services:
    settings: Settings
    clock: Clock
    database: Database
    signer: Signer
    address_keys: AddressKeys
    receipts: ReceiptRecorder
    replies: InboundReplies
    campaigns: CampaignService
    channels: Mapping[str, Channel]
    composer: Composer
    costs: CostEstimator
    event_handlers: dict[str, list[Handler]] = field(default_factory=dict)

    def dispatch_worker(self, worker_id: str | None = None) -> DispatchWorker:
        return DispatchWorker(
            self.database,
            self.clock,
            self.channels,
            self.composer,
            worker_id=worker_id or f"{socket.gethostname()}:{os.getpid()}",
            channel_rates={"sms": self.settings.sms_rate, "email": self.settings.email_rate},
        )

    def outbox_dispatcher(self) -> OutboxDispatcher:
        return OutboxDispatcher(self.database, self.clock, self.event_handlers)

    def campaign_clock(self) -> CampaignClock:
        work = ClockWork(
            start_due=self.campaigns.start_due,
            complete_finished=self.campaigns.complete_finished,
            housekeeping=self.housekeeping,
            scheduled_starts=self.campaigns.scheduled_starts,
        )
        return CampaignClock(work, self._leadership())

    def _leadership(self) -> Leadership:
        if self.settings.is_sqlite:
            return AlwaysLeader()
        return PostgresAdvisoryLeader(self.settings.database_url)

    async def housekeeping(self) -> None:
        await sweeps.settle_abandoned_sends(self.database, self.clock)
        await sweeps.expire_silent_sms(self.database, self.clock)

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        await self.database.dispose()


def build(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Build every adapter and service for one process from validated settings."""
    clock = clock or SystemClock()
    database = Database(create_engine(settings.database_url))
    signer = Signer(settings.secret())
    receipts = ReceiptRecorder(database, clock)
    address_keys = AddressKeys(settings.secret())
    replies = InboundReplies(database, clock, address_keys, settings.default_region)
    channels = _channels(settings, clock, receipts, replies)
    composer = Composer(
        database,
        Renderer(),
        signer,
        base_url=settings.base_url,
        default_time_zone=settings.default_time_zone,
        sender_is_alphanumeric=_alphanumeric_sender(settings),
    )
    return Services(
        settings=settings,
        clock=clock,
        database=database,
        signer=signer,
        address_keys=address_keys,
        receipts=receipts,
        replies=replies,
        campaigns=CampaignService(
            database,
            clock,
            approval_check=ContentChecks(
                database, Renderer(), alphanumeric=_alphanumeric_sender(settings)
            ),
        ),
        channels=channels,
        composer=composer,
        costs=CostEstimator(
            database,
            Renderer(),
            price=settings.sms_price,
            alphanumeric=_alphanumeric_sender(settings),
        ),
    )


def _channels(
    settings: Settings, clock: Clock, receipts: ReceiptRecorder, replies: InboundReplies
) -> dict[str, Channel]:
    async def report(delivery: DeliveryReport) -> None:
        await receipts.record(delivery)

    if settings.sms_provider is not SmsProvider.SANDBOX:
        raise SettingsError(
            "CAMPAIGN_SMS_PROVIDER: the twilio adapter is not part of this version yet; use sandbox"
        )
    if settings.email_provider is not EmailProvider.SANDBOX:
        raise SettingsError(
            "CAMPAIGN_EMAIL_PROVIDER: the smtp adapter is not part of this version yet; use sandbox"
        )
    return {
        "sms": sandbox_sms(report, clock, reply_sink=replies.record),
        "email": sandbox_email(report, clock),
    }


def _alphanumeric_sender(settings: Settings) -> bool:
    sender = settings.twilio_from or ""
    return bool(sender) and not sender.lstrip("+").isdigit()
