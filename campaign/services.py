"""The typed container of every service one process uses, and its aiohttp key.

Types only: ``campaign.bootstrap.build`` makes the one instance; handlers, commands and roles
take what they need from it and never construct a service themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import jinja2
from aiohttp import web

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.field_service import FieldRegistry
from audiences.segments.service import Segments
from campaign.accounts.service import Accounts
from campaign.campaigns.cost import CostEstimator
from campaign.campaigns.messages import CampaignMessages
from campaign.campaigns.service import CampaignService
from campaign.channels import InboundWebhooks, Provider
from campaign.dispatch.composer import Composer
from campaign.dispatch.holds import Holds
from campaign.dispatch.proofs import Proofs
from campaign.dispatch.switch import DispatchSwitch
from campaign.dispatch.worker import DispatchWorker
from campaign.events.outbox import Handler, OutboxDispatcher
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock
from campaign.kernel.security import Signer
from campaign.kernel.work import Workshop
from campaign.measures import Catalogue
from campaign.message_templates.service import TemplateService
from campaign.records.service import ContactRecords
from campaign.settings import Settings
from campaign.store.engine import Database
from campaign.store.migrate import Schema
from campaign.tracking.bounces import BounceInbox
from campaign.tracking.callbacks import CallbackInbox
from campaign.tracking.inbound import InboundReplies
from campaign.tracking.lookups import Lookups
from campaign.tracking.optout import LinkOptOuts
from campaign.tracking.receipts import ReceiptRecorder
from campaign.tracking.stats import CampaignStats
from scheduler.clock import CampaignClock


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    database: Database
    schema: Schema
    signer: Signer
    address_keys: AddressKeys
    accounts: Accounts
    catalogue: Catalogue
    templates: TemplateService
    segments: Segments
    fields: FieldRegistry
    records: ContactRecords
    receipts: ReceiptRecorder
    callbacks: CallbackInbox
    bounces: BounceInbox
    replies: InboundReplies
    link_opt_outs: LinkOptOuts
    stats: CampaignStats
    sms_webhooks: InboundWebhooks
    campaigns: CampaignService
    campaign_messages: CampaignMessages
    providers: Mapping[Channel, Provider]
    composer: Composer
    costs: CostEstimator
    proofs: Proofs
    worker: DispatchWorker
    lookups: Lookups
    holds: Holds
    switch: DispatchSwitch
    events: OutboxDispatcher
    scheduler: CampaignClock
    pages: jinja2.Environment
    # Where CPU-heavy work runs, off the event loop and with a time limit (decision 0032).
    work: Workshop
    event_handlers: dict[str, list[Handler]] = field(default_factory=dict)

    async def close(self) -> None:
        """Release every connection this process holds."""
        await self.callbacks.close()
        for provider in self.providers.values():
            await provider.close()
        await self.database.dispose()
        self.work.close()


SERVICES = web.AppKey("services", Services)
