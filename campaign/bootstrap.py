"""The composition root: the one place that turns settings into adapters and services.

``build`` makes every long-lived object of one process (engine, providers, services, the
worker, the event dispatcher, the clock and the page templates) and is where event handlers
are registered (there are none yet). The CLI loads the settings, prepares the database and
calls it; the roles, the tests, the demo and the benchmarks use what it returns, and nothing
else names a concrete adapter or constructs a service. Tests may hand in their own clock,
providers (built, or a ``ProviderFactory`` of the sinks the root makes, for providers that
report back) and leadership.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import astuple
from datetime import timedelta

from pydantic import SecretStr

from audiences.contacts.addresses import AddressKeys
from audiences.contacts.field_service import FieldRegistry
from audiences.segments.service import Segments
from campaign.accounts.service import Accounts
from campaign.campaigns.cost import CostEstimator
from campaign.campaigns.messages import CampaignMessages
from campaign.campaigns.service import CampaignService
from campaign.channels import MessageFinder, Provider, ProviderFactory, ProviderSinks
from campaign.channels.sandbox import sandbox_email, sandbox_sms
from campaign.channels.smtp.dkim import DkimKeyError, dkim_signature
from campaign.channels.smtp.mail import MailWriter, Signature
from campaign.channels.smtp.marks import MailMarks
from campaign.channels.smtp.pool import SmtpPool, SmtpRelay
from campaign.channels.smtp.provider import SmtpEmail
from campaign.channels.twilio.sms import TwilioAccount, TwilioSms
from campaign.channels.twilio.webhooks import TwilioWebhooks
from campaign.dispatch.composer import Composer
from campaign.dispatch.holds import Holds
from campaign.dispatch.proofs import Proofs
from campaign.dispatch.quiet import default_quiet_hours
from campaign.dispatch.switch import DispatchSwitch
from campaign.dispatch.worker import DispatchLimits, DispatchWorker
from campaign.events.outbox import Handler, OutboxDispatcher
from campaign.kernel.channel import Channel
from campaign.kernel.clock import Clock, SystemClock
from campaign.kernel.security import Signer
from campaign.kernel.work import Workshop
from campaign.measures import Catalogue
from campaign.message_templates.service import TemplateService
from campaign.messages.language import SUPPORTED_LANGUAGES
from campaign.messages.render import Renderer
from campaign.records.service import ContactRecords
from campaign.services import Services
from campaign.settings import EmailProvider, Settings, SettingsError, SmsProvider
from campaign.store.engine import Database, create_engine
from campaign.store.leader import PostgresAdvisoryLeader
from campaign.store.migrate import Schema
from campaign.tracking import sweeps
from campaign.tracking.bounces import BounceInbox
from campaign.tracking.callbacks import CallbackInbox
from campaign.tracking.inbound import InboundReplies
from campaign.tracking.lookups import Lookups
from campaign.tracking.optout import LinkOptOuts
from campaign.tracking.receipts import ReceiptRecorder
from campaign.tracking.stats import CampaignStats
from campaign.web.pages import page_environment
from scheduler.clock import CampaignClock, ClockWork
from scheduler.leader import AlwaysLeader, Leadership


def build(
    settings: Settings,
    *,
    clock: Clock | None = None,
    channels: ProviderFactory | Mapping[Channel, Provider] | Mapping[str, Provider] | None = None,
    leadership: Leadership | None = None,
) -> Services:
    """Build every adapter and service for one process from validated settings."""
    clock = clock or SystemClock()
    database = Database(create_engine(settings.database_url))
    signer = Signer(settings.secret())
    address_keys = AddressKeys(settings.secret())
    receipts = ReceiptRecorder(database, clock)
    replies = InboundReplies(database, clock, address_keys, settings.default_region)
    sinks = ProviderSinks(report=receipts.record, reply=replies.record, clock=clock)
    marks = MailMarks(signer, bounce_domain=settings.bounce_domain, id_domain=settings.email_domain)
    providers = _built_providers(settings, channels, sinks, marks)
    sms_webhooks = TwilioWebhooks(_secret(settings.twilio_auth_token), settings.base_url)
    callbacks = CallbackInbox(database, clock, sms_webhooks.report)
    bounces = BounceInbox(
        database, clock, marks, address_keys, http_secret=_secret(settings.bounce_secret)
    )
    renderer = Renderer()
    work = Workshop()
    alphanumeric = _alphanumeric_sender(settings)
    composer = _composer(settings, database, renderer, signer)
    costs = CostEstimator(
        database,
        renderer,
        price=settings.sms_price,
        alphanumeric=alphanumeric,
        links=lambda: tuple(astuple(composer.longest_links())),
        work=work,
    )
    proofs = Proofs(database, clock, composer, costs, work)
    campaigns = CampaignService(
        database,
        clock,
        approval_check=proofs.check,
        unknown_settle_after=timedelta(hours=settings.unknown_settle_hours),
        channel_rates={Channel.SMS: settings.sms_rate, Channel.EMAIL: settings.email_rate},
    )
    handlers: dict[str, list[Handler]] = {}
    return Services(
        settings=settings,
        clock=clock,
        database=database,
        schema=Schema(database),
        signer=signer,
        address_keys=address_keys,
        accounts=Accounts(database, clock),
        catalogue=Catalogue(database, clock),
        templates=TemplateService(database, clock, renderer, work),
        segments=Segments(database, clock),
        fields=FieldRegistry(database, SUPPORTED_LANGUAGES, clock),
        records=_records(settings, database, clock, address_keys, work),
        receipts=receipts,
        replies=replies,
        link_opt_outs=LinkOptOuts(database, clock, address_keys),
        stats=CampaignStats(database),
        sms_webhooks=sms_webhooks,
        callbacks=callbacks,
        bounces=bounces,
        campaigns=campaigns,
        campaign_messages=CampaignMessages(database, clock),
        providers=providers,
        composer=composer,
        costs=costs,
        proofs=proofs,
        worker=_worker(settings, database, clock, providers, composer, address_keys),
        lookups=Lookups(database, clock, _finders(providers)),
        holds=Holds(
            database,
            clock,
            default=default_quiet_hours(settings.default_quiet_hours),
            default_time_zone=settings.default_time_zone,
        ),
        switch=DispatchSwitch(database, clock),
        events=OutboxDispatcher(database, clock, handlers),
        scheduler=_scheduler(
            settings,
            database,
            clock,
            campaigns,
            callbacks,
            bounces,
            leadership,
            frozenset(_recorded_hand_overs(providers)),
        ),
        pages=page_environment(settings.base_url),
        work=work,
        event_handlers=handlers,
    )


def _built_providers(
    settings: Settings,
    channels: ProviderFactory | Mapping[Channel, Provider] | Mapping[str, Provider] | None,
    sinks: ProviderSinks,
    marks: MailMarks,
) -> Mapping[Channel, Provider]:
    """The providers ``channels`` names (already built, or a factory of the sinks), else the
    ones the settings choose."""
    if isinstance(channels, Mapping):
        return {Channel(name): provider for name, provider in channels.items()}
    return (channels or _providers(settings, marks))(sinks)


def _finders(providers: Mapping[Channel, Provider]) -> dict[Channel, MessageFinder]:
    """The providers that can say afterwards whether they took a message."""
    return {c: p for c, p in providers.items() if isinstance(p, MessageFinder)}


def _composer(
    settings: Settings, database: Database, renderer: Renderer, signer: Signer
) -> Composer:
    return Composer(
        database,
        renderer,
        signer,
        base_url=settings.base_url,
        default_time_zone=settings.default_time_zone,
        sender_is_alphanumeric=_alphanumeric_sender(settings),
    )


def _records(
    settings: Settings,
    database: Database,
    clock: Clock,
    address_keys: AddressKeys,
    work: Workshop,
) -> ContactRecords:
    return ContactRecords(
        database,
        clock,
        address_keys,
        default_region=settings.default_region,
        default_time_zone=settings.default_time_zone,
        work=work,
    )


def _worker(
    settings: Settings,
    database: Database,
    clock: Clock,
    providers: Mapping[Channel, Provider],
    composer: Composer,
    address_keys: AddressKeys,
) -> DispatchWorker:
    return DispatchWorker(
        database,
        clock,
        providers,
        composer,
        address_keys,
        DispatchLimits(
            channel_rates={Channel.SMS: settings.sms_rate, Channel.EMAIL: settings.email_rate},
            senders=_senders(settings),
            quiet_hours=default_quiet_hours(settings.default_quiet_hours),
            weekly_cap=settings.weekly_cap,
            sms_price=settings.sms_price,
            recorded_hand_overs=_recorded_hand_overs(providers),
        ),
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        concurrency=settings.worker_concurrency,
        lease_seconds=settings.lease_seconds,
        lookup_after=timedelta(seconds=settings.lookup_after),
    )


def _recorded_hand_overs(providers: Mapping[Channel, Provider]) -> dict[Channel, int]:
    """Channels whose provider cannot be asked afterwards whether it took a message (an SMTP
    relay): the worker records each hand-over, with at most ten times the relay's connections
    marked and unanswered at once (``dispatch.handover``): marks commit in groups of about
    that many, so fewer would make every mail wait for a small commit (measured: twice the
    pool sent 40% fewer mails a second)."""
    return {
        c: _MARKED_PER_CONNECTION * p.pool.size
        for c, p in providers.items()
        if isinstance(p, SmtpEmail)
    }


_MARKED_PER_CONNECTION = 10


def _senders(settings: Settings) -> dict[Channel, str]:
    """What names each provider account's rate: one rate per sender, shared by every worker."""
    sms = settings.twilio_messaging_service_sid or settings.twilio_from or "sandbox"
    email = settings.smtp_host if settings.email_provider is EmailProvider.SMTP else "sandbox"
    return {
        Channel.SMS: f"{settings.sms_provider}:{sms}",
        Channel.EMAIL: f"{settings.email_provider}:{email}",
    }


def _scheduler(
    settings: Settings,
    database: Database,
    clock: Clock,
    campaigns: CampaignService,
    callbacks: CallbackInbox,
    bounces: BounceInbox,
    leadership: Leadership | None,
    recorded: frozenset[Channel],
) -> CampaignClock:
    async def housekeeping() -> None:
        await sweeps.settle_abandoned_sends(database, clock, recorded)
        await sweeps.expire_silent_sms(database, clock)
        # Callbacks a stopped process kept and never applied (a running one applies its own).
        await callbacks.apply_pending(older_than=timedelta(seconds=30))
        await callbacks.forget_older_than(clock.now() - timedelta(days=settings.retention_days))
        await bounces.forget_older_than(clock.now() - timedelta(days=settings.retention_days))

    work = ClockWork(
        start_due=campaigns.start_due,
        complete_finished=campaigns.complete_finished,
        housekeeping=housekeeping,
        scheduled_starts=campaigns.scheduled_starts,
    )
    if leadership is None:
        leadership = (
            AlwaysLeader() if settings.is_sqlite else PostgresAdvisoryLeader(settings.database_url)
        )
    return CampaignClock(work, leadership)


def _providers(settings: Settings, marks: MailMarks) -> ProviderFactory:
    latency = settings.sandbox_latency
    sign = _dkim(settings)

    def chosen(sinks: ProviderSinks) -> Mapping[Channel, Provider]:
        sms: Provider
        email: Provider
        if settings.sms_provider is SmsProvider.TWILIO:
            sms = _twilio(settings, sinks.clock)
        else:
            sms = sandbox_sms(sinks.report, sinks.clock, reply_sink=sinks.reply, latency=latency)
        if settings.email_provider is EmailProvider.SMTP:
            email = _smtp(settings, sinks.clock, marks, sign)
        else:
            email = sandbox_email(sinks.report, sinks.clock, latency=latency)
        return {Channel.SMS: sms, Channel.EMAIL: email}

    return chosen


def _smtp(settings: Settings, clock: Clock, marks: MailMarks, sign: Signature | None) -> SmtpEmail:
    relay = SmtpRelay(
        host=settings.smtp_host,
        port=settings.smtp_port,
        tls=settings.smtp_tls.value,
        username=settings.smtp_username,
        password=_secret(settings.smtp_password),
    )
    pool = SmtpPool(
        relay,
        clock,
        size=settings.smtp_pool_size,
        timeout=settings.send_timeout,
        idle_limit=_SMTP_IDLE_LIMIT,
    )
    return SmtpEmail(pool, MailWriter(settings.email_from, sign=sign), marks, clock)


# Servers drop idle clients after 60 s to 5 min; a connection idle this long is reopened.
_SMTP_IDLE_LIMIT = 30.0


def _dkim(settings: Settings) -> Signature | None:
    if settings.dkim_key_file is None or settings.email_provider is not EmailProvider.SMTP:
        return None
    try:
        return dkim_signature(
            settings.dkim_key_file.read_bytes(),
            selector=settings.dkim_selector or "",
            domain=settings.email_domain,
        )
    except (OSError, DkimKeyError) as exc:
        raise SettingsError(f"CAMPAIGN_DKIM_KEY_FILE: {exc}") from None


def _twilio(settings: Settings, clock: Clock) -> TwilioSms:
    """Twilio's client is made on the first send, inside the running loop, and closed with
    the other providers when the process stops."""
    account = TwilioAccount(
        account_sid=settings.twilio_account_sid or "",
        auth_token=_secret(settings.twilio_auth_token) or "",
        messaging_service_sid=settings.twilio_messaging_service_sid,
        sender=settings.twilio_from,
        api_base=settings.twilio_api_base,
    )
    # A connection per call in flight, and some for the look-ups beside them.
    return TwilioSms(
        account,
        clock,
        connections=settings.worker_concurrency + 20,
        call_timeout=settings.send_timeout,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _alphanumeric_sender(settings: Settings) -> bool:
    sender = settings.twilio_from or ""
    return bool(sender) and not sender.lstrip("+").isdigit()
