"""The stage: N contacts with an email address and consent, one approved email campaign.

As bench/dispatch stages its SMS campaign (``scenario``: a database of its own, the contacts
written with ``COPY`` and keyed with the service's own ``AddressKeys``, everything else through
the services), but the contacts have an email address and no phone, and the campaign's one
channel is email. Each contact gets one mail, so the weekly cap (5 by default) never binds; the
quiet hours are overridden with a reason, so the hour of the run does not matter.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import insert, select

from bench.dispatch import scenario
from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.demo.content import MEASURES
from campaign.kernel.identity import Identity, Role
from campaign.message_templates import repository as templates
from campaign.messages.library import load_library
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.tables import measures

EMAIL_FROM = "Gemeente Bench <info@bench.example.org>"
BOUNCE_DOMAIN = "bounces.bench.example.org"
RECIPIENT_DOMAIN = "inbox.example.net"
_CHUNK = 50_000
# As bench/dispatch's contacts: four languages, three places, names with letters beyond ASCII.
_LANGUAGES = ("nl", "fr", "de", "en")
_PLACES = (("Gent", "Vlaanderen"), ("Liège", "Wallonie"), ("Brussel", "Brussel"))
_NAMES = ("An", "Jan", "Marie", "Luc", "Jürgen", "Zoë", "Fatima", "Ayşe")
_COLUMNS = (
    "id",
    "external_id",
    "email",
    "email_key",
    "language",
    "first_name",
    "time_zone",
    "municipality",
    "region",
    "attributes",
    "consent_sms",
    "consent_email",
    "consent_email_source",
    "consent_email_at",
    "created_at",
    "updated_at",
)


def address(index: int, prefix: str = "persoon") -> str:
    """The ``index``-th recipient: every one distinct, all of one length."""
    return f"{prefix}{index:07d}@{RECIPIENT_DOMAIN}"


def services_for(url: str, email_rate: float) -> Services:
    """The root the product runs, over the bench's database, with the worker's key and email
    rate (a campaign may not ask for more than its channel's rate) and sender."""
    settings = load_settings(
        database_url=url,
        secret_key=scenario.SECRET_KEY,
        email_rate=email_rate,
        email_from=EMAIL_FROM,
        bounce_domain=BOUNCE_DOMAIN,
    )
    return build(settings)


async def prepare(url: str, contacts: int, email_rate: float) -> scenario.Stage:
    """Contacts, content and one approved email campaign, due now but not yet started."""
    services = services_for(url, email_rate)
    started = time.perf_counter()
    await _copy_contacts(url, services, contacts)
    campaign_id = await _campaign(services, email_rate)
    return scenario.Stage(url, services, campaign_id, contacts, time.perf_counter() - started)


def _rows(services: Services, first: int, last: int) -> Iterator[tuple[object, ...]]:
    now = datetime.now(UTC)
    key = services.address_keys.key
    for i in range(first, last):
        email = address(i)
        municipality, region = _PLACES[i % len(_PLACES)]
        yield (
            i,
            f"e{i}",
            email,
            key("email", email),
            _LANGUAGES[i % len(_LANGUAGES)],
            _NAMES[i % len(_NAMES)],
            "Europe/Brussels",
            municipality,
            region,
            json.dumps({"temporary_unemployed": i % 3 == 0}),
            False,
            True,
            "bench",
            now,
            now,
            now,
        )


async def _copy_contacts(url: str, services: Services, count: int) -> None:
    conn = await asyncpg.connect(scenario.raw_url(url))
    try:
        async with conn.transaction():
            for first in range(1, count + 1, _CHUNK):
                rows = list(_rows(services, first, min(first + _CHUNK, count + 1)))
                await conn.copy_records_to_table("contacts", records=rows, columns=list(_COLUMNS))
            await conn.execute("SELECT setval('contacts_id_seq', $1)", count)
            await conn.execute(
                "INSERT INTO fields (name, type, labels) "
                "VALUES ('temporary_unemployed', 'boolean', '{}')"
            )
        await conn.execute("VACUUM ANALYZE contacts")
    finally:
        await conn.close()


async def _content(services: Services) -> tuple[int, int]:
    """The demo's measure and the library's template (its email variants): (measure, version)."""
    now = services.clock.now()
    async with services.database.transaction() as session:
        measure = next(m for m in MEASURES if m["slug"] == scenario.MEASURE)
        await session.execute(insert(measures), [measure | {"created_at": now, "updated_at": now}])
        measure_id = (
            await session.execute(select(measures.c.id).where(measures.c.slug == scenario.MEASURE))
        ).scalar_one()
        source = next(s for s in load_library() if s.slug == scenario.TEMPLATE)
        version_id = await templates.save_version(session, source, now)
    return int(measure_id), version_id


async def _person(services: Services, role: Role) -> Identity:
    mail = f"{role.value}@bench.example.org"
    return Identity(role, mail, user_id=await services.accounts.create_user(mail, role, "x"))


async def _campaign(services: Services, rate: float) -> int:
    """Created and submitted by an editor, approved by a second person: scheduled, due now."""
    measure_id, version_id = await _content(services)
    editor, approver = [await _person(services, role) for role in (Role.EDITOR, Role.APPROVER)]
    now = services.clock.now()
    draft = CampaignDraft(
        name="Bench: email",
        template_version_id=version_id,
        audience_query="region IS SET",
        starts_at=now,
        channels=("email",),
        window_ends_at=now + timedelta(days=2),
        quiet_hours=None,
        quiet_hours_override="benchmark: measured at whatever hour it runs",
        rate_per_second=rate,
        measure_ids=(measure_id,),
    )
    campaign = await services.campaigns.create(editor, draft)
    await services.campaigns.act(editor, campaign.id, CampaignAction.SUBMIT)
    await services.campaigns.act(approver, campaign.id, CampaignAction.APPROVE)
    return campaign.id
