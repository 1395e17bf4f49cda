"""The stage: a database of its own, N contacts, one SMS campaign approved and due now.

The contacts are written with ``COPY`` (keys made with the service's own ``AddressKeys``, so
the suppression check and the households see what an import would have written); everything
else goes through the services the product runs: the template library, the catalogue, a
campaign created and submitted by an editor and approved by a second person, then started by
the scheduler's own ``start_due``, which materialises the run (the figure timed here).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import asyncpg
from sqlalchemy import insert, select

from campaign.bootstrap import build
from campaign.campaigns.model import CampaignDraft
from campaign.campaigns.states import CampaignAction
from campaign.demo.content import MEASURES
from campaign.kernel.identity import Identity, Role
from campaign.message_templates import repository as templates
from campaign.messages.library import load_library
from campaign.services import Services
from campaign.settings import load_settings
from campaign.store.migrate import upgrade
from campaign.store.tables import campaign_runs, measures

SECRET_KEY = "bench-dispatch-" * 3  # the bench process and the worker must share it
MEASURE = "water-energy-temporary-unemployed"
TEMPLATE = "new-measure"
_LANGUAGES = ("nl", "fr", "de", "en")
_PLACES = (("Gent", "Vlaanderen"), ("Liège", "Wallonie"), ("Brussel", "Brussel"))
_NAMES = ("An", "Jan", "Marie", "Luc", "Jürgen", "Zoë", "Fatima", "Ayşe")
_CHUNK = 50_000
PROFILE_COLUMNS = ("language", "first_name", "time_zone", "municipality", "region", "attributes")
_CONTACT_COLUMNS = (
    "id",
    "external_id",
    "phone",
    "phone_key",
    *PROFILE_COLUMNS,
    "consent_sms",
    "consent_sms_source",
    "consent_sms_at",
    "consent_email",
    "created_at",
    "updated_at",
)

ContactRows = Callable[[int, int], Iterator[tuple[object, ...]]]  # contacts first..last-1


def raw_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@dataclass(frozen=True, slots=True)
class Stage:
    url: str  # SQLAlchemy's form, as CAMPAIGN_DATABASE_URL takes it
    services: Services
    campaign_id: int
    contacts: int
    load_seconds: float


@asynccontextmanager
async def database(admin_url: str, name: str, *, keep: bool = False) -> AsyncIterator[str]:
    """A new, migrated database ``name`` on the server of ``admin_url``, dropped after (or
    kept, to look into: drop it yourself)."""
    admin = await asyncpg.connect(raw_url(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = admin_url.rsplit("/", 1)[0] + "/" + name
        await upgrade(url)
        yield url
    finally:
        if keep:
            print(f"  kept the database {name}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def services_for(url: str, sms_rate: float) -> Services:
    """The root the product runs, over the bench's database, with the worker's key and SMS
    rate (a campaign may not ask for more than its channel's rate)."""
    return build(load_settings(database_url=url, secret_key=SECRET_KEY, sms_rate=sms_rate))


async def prepare(url: str, contacts: int, rate: float, sms_rate: float) -> Stage:
    """Contacts, content and one approved SMS campaign, due now but not yet started."""
    services = services_for(url, sms_rate)
    started = time.perf_counter()
    rows = partial(_contact_rows, services)
    await copy_contacts(url, contacts, rows, _CONTACT_COLUMNS)
    content = await content_of(services)
    campaign_id = await approved_campaign(
        services, content, name="Bench: dispatch", channel="sms", rate=rate
    )
    return Stage(url, services, campaign_id, contacts, time.perf_counter() - started)


async def materialise(stage: Stage) -> tuple[int, float]:
    """Start the due campaign as the scheduler does; return its run id and the seconds taken."""
    started = time.perf_counter()
    begun = await stage.services.campaigns.start_due()
    took = time.perf_counter() - started
    if begun != [stage.campaign_id]:
        raise RuntimeError(f"start_due started {begun}, expected [{stage.campaign_id}]")
    async with stage.services.database.read_session() as session:
        run_id = (
            await session.execute(
                select(campaign_runs.c.id).where(campaign_runs.c.campaign_id == stage.campaign_id)
            )
        ).scalar_one()
    return int(run_id), took


def profile(i: int) -> tuple[object, ...]:
    """The ``i``-th contact's values for ``PROFILE_COLUMNS``: four languages, three places,
    names with letters beyond ASCII, a third temporarily unemployed."""
    municipality, region = _PLACES[i % len(_PLACES)]
    attributes = json.dumps({"temporary_unemployed": i % 3 == 0})
    language, name = _LANGUAGES[i % len(_LANGUAGES)], _NAMES[i % len(_NAMES)]
    return (language, name, "Europe/Brussels", municipality, region, attributes)


def _contact_rows(services: Services, first: int, last: int) -> Iterator[tuple[object, ...]]:
    now = datetime.now(UTC)
    key = services.address_keys.key
    for i in range(first, last):
        phone = f"+3247{i:07d}"  # never one of the sandbox's simulator numbers (+32499…)
        yield (
            i,
            f"b{i}",
            phone,
            key("sms", phone),
            *profile(i),
            True,
            "bench",
            now,
            False,
            now,
            now,
        )


async def copy_contacts(url: str, count: int, rows: ContactRows, columns: Sequence[str]) -> None:
    """``count`` contacts, ``rows`` giving their values for ``columns``, copied in chunks."""
    conn = await asyncpg.connect(raw_url(url))
    try:
        async with conn.transaction():
            for first in range(1, count + 1, _CHUNK):
                chunk = list(rows(first, min(first + _CHUNK, count + 1)))
                await conn.copy_records_to_table("contacts", records=chunk, columns=list(columns))
            await conn.execute("SELECT setval('contacts_id_seq', $1)", count)
            await conn.execute(
                "INSERT INTO fields (name, type, labels) "
                "VALUES ('temporary_unemployed', 'boolean', '{}')"
            )
        await conn.execute("VACUUM ANALYZE contacts")
    finally:
        await conn.close()


async def content_of(services: Services) -> tuple[int, int]:
    """The demo's measure and the library's ``new-measure`` template: (measure, version)."""
    now = services.clock.now()
    async with services.database.transaction() as session:
        measure = next(m for m in MEASURES if m["slug"] == MEASURE)
        await session.execute(insert(measures), [measure | {"created_at": now, "updated_at": now}])
        measure_id = (
            await session.execute(select(measures.c.id).where(measures.c.slug == MEASURE))
        ).scalar_one()
        source = next(s for s in load_library() if s.slug == TEMPLATE)
        version_id = await templates.save_version(session, source, now)
    return int(measure_id), version_id


async def _person(services: Services, role: Role) -> Identity:
    mail = f"{role.value}@bench.example.org"
    return Identity(role, mail, user_id=await services.accounts.create_user(mail, role, "x"))


async def approved_campaign(
    services: Services, content: tuple[int, int], *, name: str, channel: str, rate: float
) -> int:
    """Created and submitted by an editor, approved by a second person: scheduled, due now.
    ``content``: the measure and the template version it sends."""
    measure_id, version_id = content
    editor, approver = [await _person(services, role) for role in (Role.EDITOR, Role.APPROVER)]
    now = services.clock.now()
    draft = CampaignDraft(
        name=name,
        template_version_id=version_id,
        audience_query="region IS SET",
        starts_at=now,
        channels=(channel,),
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
